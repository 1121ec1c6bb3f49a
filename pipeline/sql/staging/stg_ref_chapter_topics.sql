-- grain: one row per (reference, claimed chapter, topic); a claim without a topic has topic null
with

ref_chapters as (
    select * from ref_chapters
),

split as (
    select
        ref_id,
        chapter_id,
        source_line,
        case when topic is null then [null] else string_split(topic, ', ') end as topics
    from ref_chapters
),

final as (
    select
        ref_id,
        chapter_id,
        trim(unnest(topics)) as topic,
        source_line
    from split
)

select * from final
