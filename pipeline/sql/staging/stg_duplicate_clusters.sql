-- grain: one row per question in a group joined by flagged or confirmed pairs (the `duplicate_clusters` table, as the dedup stage wrote it)
with

source as (
    select * from duplicate_clusters
),

final as (
    select
        cluster_id,
        question_id,
        cluster_size
    from source
)

select * from final
