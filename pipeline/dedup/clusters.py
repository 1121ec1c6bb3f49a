"""Group questions joined by flagged or confirmed duplicate pairs. Pure."""


def connected_groups(edges: list[tuple[str, str]]) -> list[list[str]]:
    """Return the connected components of `edges` (each sorted), largest first, then by first member."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for node in parent:
        groups.setdefault(root(node), []).append(node)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))


def cluster_rows(edges: list[tuple[str, str]], order: dict[str, int]) -> list[dict]:
    """Return one row per (cluster, question); a cluster's id is `d` + its first question's position in the bank."""
    rows = []
    for group in connected_groups(edges):
        members = sorted(group, key=lambda qid: order.get(qid, 0))
        cluster_id = f"d{order.get(members[0], 0):05d}"
        rows += [{"cluster_id": cluster_id, "question_id": qid, "cluster_size": len(members)} for qid in members]
    return rows
