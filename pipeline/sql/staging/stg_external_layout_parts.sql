-- grain: one row per part of an external bank read in one layout (the `external_layout_parts` table, as the external stage wrote it)
with

source as (
    select * from external_layout_parts
),

final as (
    select
        bank_id,
        part,
        layout,
        first_line,
        last_line,
        questions
    from source
)

select * from final
