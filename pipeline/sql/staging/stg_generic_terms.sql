-- grain: one row per term in raw/generic_terms.csv: a name that is no technique, model or benchmark (the `generic_terms` table, as the warehouse stage wrote it)
with

source as (
    select * from generic_terms
),

final as (
    select
        term,
        why,
        source_line
    from source
)

select * from final
