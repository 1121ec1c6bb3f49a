-- grain: one row per decided question in raw/tag_decisions.csv (the `tag_decisions` table, as the tags stage wrote it)
with

source as (
    select * from tag_decisions
),

final as (
    select
        question_id,
        label,
        verdict,
        reviewer,
        decided_on,
        note,
        is_stale,
        source_line
    from source
)

select * from final
