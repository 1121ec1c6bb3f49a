-- grain: one row per scored candidate pair of questions (and every pair an editor decided) (the `duplicate_pairs` table, as the dedup stage wrote it)
with

source as (
    select * from duplicate_pairs
),

final as (
    select
        question_id_a,
        question_id_b,
        label_a,
        label_b,
        score,
        word_score,
        char_score,
        fuzz_score,
        rare_score,
        lexical_score,
        semantic_score,
        subject_agreement,
        subject_conflict,
        is_same_section,
        is_flagged,
        verdict,
        status,
        queue_rank
    from source
)

select * from final
