-- grain: one row per verdict the workbench wrote into raw/, in order, overwritten and undone ones too (the `verdict_history` table, as the warehouse stage wrote it)
with

source as (
    select * from verdict_history
),

final as (
    select
        source_line as history_position,
        written_at,
        reviewer,
        action,
        file as decisions_file,
        key as decision_key,
        labels,
        verdict,
        previous_reviewer,
        previous_verdict,
        held_by,
        held_since,
        note,
        cut,
        session,
        source_line
    from source
)

select * from final
