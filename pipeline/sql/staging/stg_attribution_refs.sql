-- grain: one row per (work named in Sources & Attribution, reference row standing for it); ref_id null if none (the `attribution_refs` table, as the warehouse stage wrote it)
with

source as (
    select * from attribution_refs
),

final as (
    select
        attribution_id,
        work,
        ref_id,
        source_line
    from source
)

select * from final
