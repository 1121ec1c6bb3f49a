-- grain: one row per (reference, chapter, topic, section the topic points to); a topic may point to several sections
with

topics as (
    select * from stg_ref_chapter_topics
    where topic is not null
),

sections as (
    select * from stg_sections
),

-- a title's words: lower case, a plural's trailing s dropped, words of three letters or more
topic_words as (
    select
        *,
        list_filter(
            list_transform(regexp_extract_all(lower(topic), '[a-z0-9]+'), lambda w: regexp_replace(w, 's$', '')),
            lambda w: length(w) >= 3
        ) as words
    from topics
),

section_words as (
    select
        section_id,
        chapter_id,
        title,
        list_transform(regexp_extract_all(lower(title), '[a-z0-9]+'), lambda w: regexp_replace(w, 's$', '')) as words
    from sections
),

final as (
    select
        t.ref_id,
        t.chapter_id,
        t.topic,
        s.section_id,
        s.title as section_title
    from topic_words as t
    inner join section_words as s
        on s.chapter_id = t.chapter_id
        and len(t.words) > 0
        and list_has_all(s.words, t.words)
)

select * from final
