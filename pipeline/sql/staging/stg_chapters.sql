-- grain: one row per chapter heading (the `chapters` table, as the ingest stage wrote it)
with

source as (
    select * from chapters
),

final as (
    select
        chapter_id,
        title,
        source_line
    from source
)

select * from final
