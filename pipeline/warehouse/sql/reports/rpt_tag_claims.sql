-- grain: one row per tag the appendix declares or states a count for: stated against actual
with

tags as (
    select * from tags
),

actual as (
    select tag, count(*) as questions
    from questions
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
        t.stated_line
    from tags as t
    left join actual as a using (tag)
    order by t.declared_position nulls last, t.tag
)

select * from final
