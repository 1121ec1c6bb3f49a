-- grain: one row per (section, tag): questions with that tag in the section
with

questions as (
    select * from stg_questions
),

sections as (
    select * from stg_sections
),

final as (
    select
        q.section_id,
        s.title as section_title,
        coalesce(q.tag, '(none)') as tag,
        count(*) as questions,
        min(s.source_line) as section_line
    from questions as q
    left join sections as s using (section_id)
    group by q.section_id, s.title, coalesce(q.tag, '(none)')
    order by section_line, questions desc, tag
)

select * from final
