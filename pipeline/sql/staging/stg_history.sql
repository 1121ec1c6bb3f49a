-- grain: one row per (point, measure): the bank's measures at each commit that changed raw/, this build last (the `history` table, as the changes stage wrote it)
with

source as (
    select * from history
),

final as (
    select
        position,
        commit,
        committed_at,
        subject,
        is_current,
        metric,
        tag,
        value
    from source
)

select * from final
