-- grain: one row per chapter that no reference claims in `Relevant Chapters`
with

chapters as (
    select * from stg_chapters
),

claims as (
    select distinct chapter_id from stg_ref_chapters
),

questions as (
    select * from stg_questions
),

final as (
    select
        ch.chapter_id,
        ch.title,
        count(q.question_id) as questions
    from chapters as ch
    left join questions as q using (chapter_id)
    where ch.chapter_id not in (select chapter_id from claims)
    group by all
    order by ch.chapter_id
)

select * from final
