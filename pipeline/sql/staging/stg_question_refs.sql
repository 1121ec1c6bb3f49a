-- grain: one row per (question, reference) the question names through an alias (the `question_refs` table, as the warehouse stage wrote it)
with

source as (
    select * from question_refs
),

final as (
    select
        question_id,
        ref_id,
        matched_term
    from source
)

select * from final
