-- grain: one row per term in raw/ref_aliases.csv by which a question names a reference (the `ref_aliases` table, as the warehouse stage wrote it)
with

source as (
    select * from ref_aliases
),

final as (
    select
        ref_id,
        ref_title,
        term,
        is_stale,
        source_line
    from source
)

select * from final
