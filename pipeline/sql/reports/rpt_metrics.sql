-- grain: one row per measure of the bank as built (its size, tags against stated counts, duplicates, tag suspects, coverage): what make diff compares and make history charts
with

questions as (
    select * from stg_questions
),

claims as (
    select * from int_tag_claims
),

pairs as (
    select * from stg_duplicate_pairs
),

suspects as (
    select * from stg_tag_suspects
),

claims_made as (
    select * from int_chapter_ref_claims
),

mentions as (
    select * from int_chapter_ref_mentions
),

external_coverage as (
    select * from stg_external_coverage
),

measures as (
    select 'questions' as metric, null as tag, count(*)::double as value from questions
    union all
    select 'questions tagged', tag, coalesce(actual, 0)::double from claims
    union all
    select 'stated', tag, stated::double from claims where stated is not null
    union all
    select 'flagged pairs', null, count(*) filter (where is_flagged)::double from pairs
    union all
    select 'undecided pairs', null, count(*) filter (where is_flagged and status = 'needs review')::double from pairs
    union all
    select 'tag suspects', null, count(*) filter (where is_suspect)::double from suspects
    union all
    select 'undecided tag suspects', null, count(*) filter (where is_suspect and verdict is null)::double from suspects
    union all
    select  -- the share of the chapter → paper links the reference tables claim that a question of the chapter names
        'coverage share',
        null,
        round(avg((m.ref_id is not null)::int), 4)
    from claims_made as c
    left join mentions as m on m.chapter_id = c.chapter_id and m.ref_id = c.ref_id
    union all
    select 'external coverage', null, round(avg(is_covered::int), 4) from external_coverage
),

final as (
    select metric, tag, value
    from measures
)

select * from final
