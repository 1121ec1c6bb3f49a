-- grain: one row per external question bank in raw/external_banks.csv (the `external_banks` table, as the external stage wrote it)
with

source as (
    select * from external_banks
),

final as (
    select
        bank_id,
        name,
        file,
        source,
        licence,
        layout,
        layout_used,
        layout_reason,
        questions,
        question_like_share,
        reading_confidence,
        lines_in_doubt,
        warnings,
        error,
        stated_as,
        stated_count,
        stated_line,
        title_count,
        registry_line
    from source
)

select * from final
