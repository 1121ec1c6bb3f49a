-- grain: one row per (chapter, reference the chapter's `Relevant Chapters` cell claims)
with

claims as (
    select * from stg_ref_chapters
),

refs as (
    select * from stg_refs
),

final as (
    select
        c.chapter_id,
        c.ref_id,
        r.title,
        r.category,
        string_agg(c.topic, '; ') as topics
    from claims as c
    inner join refs as r using (ref_id)
    group by all
)

select * from final
