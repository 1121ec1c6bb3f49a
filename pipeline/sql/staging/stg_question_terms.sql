-- grain: one row per (question, technical name it uses): acronyms and CamelCase names such as GQA, MoE, vLLM, RoPE
with

questions as (
    select * from questions
),

tokens as (
    select
        question_id,
        chapter_id,
        label,
        source_line,
        -- a hyphenated part continues a name only if it has a capital or digit: GPT-2, FlashAttention-2; not PPO-based
        unnest(regexp_extract_all(text, '[A-Za-z][A-Za-z0-9]*(?:-[a-z]*[A-Z0-9][A-Za-z0-9]*)*')) as term
    from questions
),

final as (
    select distinct
        question_id,
        chapter_id,
        label,
        source_line,
        term
    from tokens
    -- two capitals, or a capital and a digit, or a lower-case letter before a capital: a name, not a word
    where regexp_matches(term, '[A-Z].*[A-Z0-9]|[a-z][A-Z]')
)

select * from final
