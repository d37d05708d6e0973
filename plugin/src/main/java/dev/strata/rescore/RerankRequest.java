package dev.strata.rescore;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /v1/rerank} plus the index it came from (sent as a header, not in the body);
 * {@code firstStage} (may be null) is sent as {@code first_stage}.
 */
public record RerankRequest(
    String query,
    String head,
    List<String> rankFields,
    List<RerankDocument> documents,
    String indexName,
    Map<String, Object> firstStage
) {
    /** A request without a first stage. */
    public RerankRequest(String query, String head, List<String> rankFields, List<RerankDocument> documents, String indexName) {
        this(query, head, rankFields, documents, indexName, null);
    }

    public RerankRequest {
        rankFields = List.copyOf(rankFields);
        documents = List.copyOf(documents);
    }
}
