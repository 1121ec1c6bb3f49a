-- grain: one row per question of an external bank (the `external_questions` table, as the external stage wrote it)
with

source as (
    select * from external_questions
),

final as (
    select
        bank_id,
        external_question_id,
        section,
        number,
        text,
        links,
        difficulty,
        number_step,
        source_line
    from source
)

select * from final
