-- grain: one row per (chapter, reference) the chapter claims or its questions name; coverage says which
with

claims as (
    select * from int_chapter_ref_claims
),

mentions as (
    select * from int_chapter_ref_mentions
),

refs as (
    select * from stg_refs
),

joined as (
    select
        coalesce(c.chapter_id, m.chapter_id) as chapter_id,
        coalesce(c.ref_id, m.ref_id) as ref_id,
        c.ref_id is not null as is_claimed,
        m.ref_id is not null as is_named,
        coalesce(m.questions, 0) as questions,
        m.terms,
        m.labels
    from claims as c
    full outer join mentions as m
        on m.chapter_id = c.chapter_id and m.ref_id = c.ref_id
),

final as (
    select
        j.chapter_id,
        r.title as reference,
        case
            when j.is_claimed and j.is_named then 'claimed and named'
            when j.is_claimed then 'claimed, never named'
            else 'named, not claimed'
        end as coverage,
        j.questions,
        j.terms,
        j.labels
    from joined as j
    inner join refs as r using (ref_id)
    order by j.chapter_id, coverage, r.title
)

select * from final
