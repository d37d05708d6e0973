package dev.strata.rescore;

import java.util.List;

/**
 * The body of {@code POST /v1/rerank} plus the index it came from (sent as a header, not in the body).
 */
public record RerankRequest(String query, String head, List<String> rankFields, List<RerankDocument> documents, String indexName) {
    public RerankRequest {
        rankFields = List.copyOf(rankFields);
        documents = List.copyOf(documents);
    }
}
