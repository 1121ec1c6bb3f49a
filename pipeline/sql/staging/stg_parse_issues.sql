-- grain: one row per line the parser could not place (the `parse_issues` table, as the ingest stage wrote it)
with

source as (
    select * from parse_issues
),

final as (
    select
        source_line,
        text,
        reason
    from source
)

select * from final
