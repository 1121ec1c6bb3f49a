-- grain: one row per disagreement between `Sources & Attribution` and the reference tables
with

attributions as (
    select * from stg_attributions
),

attribution_refs as (
    select * from stg_attribution_refs
),

refs as (
    select * from stg_refs
),

attributed_without_row as (
    select
        'attributed, no reference row' as disagreement,
        ar.work as subject,
        a.source as detail,
        ar.source_line
    from attribution_refs as ar
    inner join attributions as a using (attribution_id)
    where ar.ref_id is null
),

row_never_attributed as (
    select
        'reference row, not attributed' as disagreement,
        r.title as subject,
        r.category as detail,
        r.source_line
    from refs as r
    where r.ref_id not in (select ref_id from attribution_refs where ref_id is not null)
),

bank_sizes_differ as (
    select
        'question bank size differs' as disagreement,
        a.work as subject,
        'Sources & Attribution: ' || a.question_count || ', reference table: ' || r.question_count as detail,
        a.source_line
    from attributions as a
    inner join attribution_refs as ar using (attribution_id)
    inner join refs as r on r.ref_id = ar.ref_id
    where a.question_count is not null
        and r.question_count is not null
        and a.question_count <> r.question_count
),

final as (
    select * from attributed_without_row
    union all
    select * from bank_sizes_differ
    union all
    select * from row_never_attributed
)

select * from final
order by disagreement, source_line, subject
