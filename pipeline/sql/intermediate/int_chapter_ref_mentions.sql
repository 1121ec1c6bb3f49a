-- grain: one row per (chapter, reference named by at least one of the chapter's questions)
with

question_refs as (
    select * from stg_question_refs
),

questions as (
    select * from stg_questions
),

final as (
    select
        q.chapter_id,
        qr.ref_id,
        count(distinct qr.question_id) as questions,
        string_agg(distinct qr.matched_term, ', ' order by qr.matched_term) as terms,
        string_agg(q.label, ', ' order by q.source_line) as labels
    from question_refs as qr
    inner join questions as q using (question_id)
    group by all
)

select * from final
