-- grain: one row per tag the appendix declares or states a count for: stated against actual (the check and the report both read it)
with

tags as (
    select * from stg_tags
),

actual as (
    select tag, count(*) as questions
    from stg_questions
    group by tag
),

final as (
    select
        t.tag,
        t.stated_count as stated,
        t.is_approximate,
        coalesce(a.questions, 0) as actual,
        coalesce(a.questions, 0) - t.stated_count as difference,
        round(abs(coalesce(a.questions, 0) - t.stated_count) / greatest(t.stated_count, 1), 4) as deviation,
        t.stated_line,
        t.declared_position
    from tags as t
    left join actual as a using (tag)
    order by t.declared_position nulls last, t.tag
)

select * from final
