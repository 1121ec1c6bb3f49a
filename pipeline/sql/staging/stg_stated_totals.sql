-- grain: one row per figure the appendix states about itself, other than per-tag counts (the `stated_totals` table, as the ingest stage wrote it)
with

source as (
    select * from stated_totals
),

final as (
    select
        figure,
        value,
        is_approximate,
        text,
        source_line
    from source
)

select * from final
