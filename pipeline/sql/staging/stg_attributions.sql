-- grain: one row per work or question bank named in `Sources & Attribution` (the `attributions` table, as the ingest stage wrote it)
with

source as (
    select * from attributions
),

final as (
    select
        attribution_id,
        category,
        source,
        year,
        work,
        question_count,
        link,
        source_line
    from source
)

select * from final
