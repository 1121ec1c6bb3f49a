-- grain: one row per decided pair in raw/duplicate_decisions.csv (the `duplicate_decisions` table, as the dedup stage wrote it)
with

source as (
    select * from duplicate_decisions
),

final as (
    select
        question_id_a,
        question_id_b,
        verdict,
        reviewer,
        decided_on,
        note,
        is_stale,
        source_line,
        label_a,
        label_b,
        text_a,
        text_b,
        cut
    from source
)

select * from final
