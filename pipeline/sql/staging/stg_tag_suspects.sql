-- grain: one row per question: how likely its tag is, by a model that never saw it, and whether it is a suspect (the `tag_suspects` table, as the tags stage wrote it)
with

source as (
    select * from tag_suspects
),

final as (
    select
        question_id,
        label,
        tag,
        suggested_tag,
        tag_probability,
        suggested_probability,
        is_suspect,
        suspect_rank,
        verdict,
        source_line
    from source
)

select * from final
