-- grain: one row per tag the appendix declares or states a count for (the `tags` table, as the ingest stage wrote it)
with

source as (
    select * from tags
),

final as (
    select
        tag,
        is_declared,
        declared_position,
        stated_count,
        is_approximate,
        note,
        declared_line,
        stated_line
    from source
)

select * from final
