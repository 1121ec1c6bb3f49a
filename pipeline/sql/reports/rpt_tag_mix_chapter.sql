-- grain: one row per (chapter, tag): questions with that tag and their share of the chapter
with

questions as (
    select * from stg_questions
),

chapters as (
    select * from stg_chapters
),

counts as (
    select
        chapter_id,
        coalesce(tag, '(none)') as tag,
        count(*) as questions
    from questions
    group by all
),

final as (
    select
        c.chapter_id,
        ch.title as chapter_title,
        c.tag,
        c.questions,
        round(c.questions / sum(c.questions) over (partition by c.chapter_id), 3) as share
    from counts as c
    left join chapters as ch using (chapter_id)
    order by c.chapter_id, c.questions desc, c.tag
)

select * from final
