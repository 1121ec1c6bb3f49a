-- grain: one row per (reference, chapter) claim in `Relevant Chapters` (the `ref_chapters` table, as the ingest stage wrote it)
with

source as (
    select * from ref_chapters
),

final as (
    select
        ref_id,
        chapter_id,
        topic,
        source_line
    from source
)

select * from final
