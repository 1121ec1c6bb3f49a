-- grain: one row per (chapter, claimed reference, topic): the references each chapter rests on, and the section a topic points to
with

claims as (
    select * from stg_ref_chapter_topics
),

refs as (
    select * from stg_refs
),

chapters as (
    select * from stg_chapters
),

topic_sections as (
    select * from int_topic_sections
),

final as (
    select
        c.chapter_id,
        ch.title as chapter_title,
        r.title as reference,
        r.year,
        c.topic,
        string_agg(ts.section_id || ' ' || ts.section_title, '; ' order by ts.section_id) as sections
    from claims as c
    inner join refs as r using (ref_id)
    left join chapters as ch using (chapter_id)
    left join topic_sections as ts
        on ts.ref_id = c.ref_id and ts.chapter_id = c.chapter_id and ts.topic = c.topic
    group by all
    order by c.chapter_id, r.title, c.topic
)

select * from final
