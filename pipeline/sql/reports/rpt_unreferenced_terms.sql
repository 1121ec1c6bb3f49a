-- grain: one row per technical name the questions use that no reference alias covers, most used first
with

terms as (
    select * from stg_question_terms
),

aliases as (
    select * from stg_ref_aliases
    where not is_stale
),

generic as (
    select * from stg_generic_terms
),

-- a name is covered when an alias is, or contains, that name (case folded): `DeepSeek` is in `DeepSeek V2`
uncovered as (
    select t.*
    from terms as t
    where not exists (
        select 1 from aliases as a
        where lower(a.term) = lower(t.term)
            or list_contains(regexp_extract_all(lower(a.term), '[a-z0-9]+(?:-[a-z0-9]+)*'), lower(t.term))
    )
    and lower(t.term) not in (select lower(term) from generic)
),

final as (
    select
        term,
        count(distinct question_id) as questions,
        count(distinct chapter_id) as chapters,
        string_agg(label, ', ' order by source_line) as labels
    from uncovered
    group by term
    order by questions desc, term
)

select * from final
