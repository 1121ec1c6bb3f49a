-- grain: one row per row of every reference table (the `refs` table, as the ingest stage wrote it)
with

source as (
    select * from refs
),

final as (
    select
        ref_id,
        category,
        title,
        authors,
        year,
        link,
        notes,
        question_count,
        relevant_chapters,
        source_line
    from source
)

select * from final
