-- grain: one row per numbered section heading (the `sections` table, as the ingest stage wrote it)
with

source as (
    select * from sections
),

final as (
    select
        section_id,
        chapter_id,
        parent_chapter_id,
        section_number,
        title,
        position,
        source_line
    from source
)

select * from final
