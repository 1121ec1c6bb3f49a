-- grain: one row per tag the appendix declares or states a count for: stated against actual
with

claims as (
    select * from int_tag_claims
),

final as (
    select tag, stated, is_approximate, actual, difference, deviation, stated_line
    from claims
    order by declared_position nulls last, tag
)

select * from final
