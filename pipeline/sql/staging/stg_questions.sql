-- grain: one row per question (the `questions` table, as the ingest stage wrote it)
with

source as (
    select * from questions
),

final as (
    select
        question_id,
        label,
        chapter_id,
        section_id,
        position,
        text,
        tag,
        tag_line,
        source_line
    from source
)

select * from final
