-- grain: one row per external question: its best appendix match and whether the appendix covers it (the `external_coverage` table, as the overlap stage wrote it)
with

source as (
    select * from external_coverage
),

final as (
    select
        bank_id,
        external_question_id,
        question_id,
        label,
        section_id,
        score,
        lexical_score,
        semantic_score,
        is_covered
    from source
)

select * from final
