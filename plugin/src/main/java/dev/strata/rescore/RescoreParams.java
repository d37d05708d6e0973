package dev.strata.rescore;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The validated parameters of one {@code strata} rescore block. Every constructor path (DSL, transport stream,
 * Java) goes through the checks here, so an invalid value cannot reach a shard.
 *
 * @param query              the text the service ranks the window against (required)
 * @param head               the service-side scoring head to use
 * @param fields             {@code _source} fields sent as each document's text ({@code rank_fields})
 * @param indexName          optional logical index name reported to the service; the shard's index when null
 * @param timeoutMs          the whole budget of one rescore call, source loading included
 * @param onFailure          keep the first-stage order, or fail the search
 * @param scoreMode          how first-stage and Strata scores combine
 * @param queryWeight        weight of the first-stage score
 * @param rescoreQueryWeight weight of the Strata score
 */
public record RescoreParams(
    String query,
    String head,
    List<String> fields,
    String indexName,
    int timeoutMs,
    OnFailure onFailure,
    ScoreMode scoreMode,
    float queryWeight,
    float rescoreQueryWeight
) {
    public static final String DEFAULT_HEAD = "default";
    public static final List<String> DEFAULT_FIELDS = List.of("title", "description");
    public static final int DEFAULT_TIMEOUT_MS = 1000;
    public static final int MIN_TIMEOUT_MS = 1;
    public static final int MAX_TIMEOUT_MS = 60_000;
    public static final int MAX_FIELDS = 16;
    public static final OnFailure DEFAULT_ON_FAILURE = OnFailure.KEEP_ORDER;
    public static final ScoreMode DEFAULT_SCORE_MODE = ScoreMode.REPLACE;
    public static final float DEFAULT_WEIGHT = 1.0f;

    public RescoreParams {
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("[strata] [query] is required and must be a non-empty string");
        }
        if (head == null || head.isBlank()) {
            throw new IllegalArgumentException("[strata] [head] must be a non-empty string");
        }
        if (fields == null || fields.isEmpty()) {
            throw new IllegalArgumentException("[strata] [fields] must list at least one _source field");
        }
        if (fields.size() > MAX_FIELDS) {
            throw new IllegalArgumentException("[strata] [fields] accepts at most " + MAX_FIELDS + " fields, got " + fields.size());
        }
        Set<String> seen = new HashSet<>();
        for (String field : fields) {
            if (field == null || field.isBlank()) {
                throw new IllegalArgumentException("[strata] [fields] must not contain empty field names");
            }
            if (field.equals("id")) {
                // "id" carries the hit's _id in the request body; a field of that name would overwrite it.
                throw new IllegalArgumentException("[strata] [fields] must not contain [id]: that key carries each hit's _id");
            }
            if (seen.add(field) == false) {
                throw new IllegalArgumentException("[strata] [fields] contains [" + field + "] twice");
            }
        }
        fields = List.copyOf(fields);
        if (indexName != null && indexName.isBlank()) {
            throw new IllegalArgumentException("[strata] [index_name] must be a non-empty string when given");
        }
        if (timeoutMs < MIN_TIMEOUT_MS || timeoutMs > MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException(
                "[strata] [timeout_ms] must be between " + MIN_TIMEOUT_MS + " and " + MAX_TIMEOUT_MS + ", got [" + timeoutMs + "]"
            );
        }
        if (onFailure == null) {
            throw new IllegalArgumentException("[strata] [on_failure] must not be null");
        }
        if (scoreMode == null) {
            throw new IllegalArgumentException("[strata] [score_mode] must not be null");
        }
        if (Float.isFinite(queryWeight) == false) {
            throw new IllegalArgumentException("[strata] [query_weight] must be a finite number, got [" + queryWeight + "]");
        }
        if (Float.isFinite(rescoreQueryWeight) == false) {
            throw new IllegalArgumentException(
                "[strata] [rescore_query_weight] must be a finite number, got [" + rescoreQueryWeight + "]"
            );
        }
    }

    /** Parameters with every default and the given query. */
    public static RescoreParams of(String query) {
        return new RescoreParams(
            query,
            DEFAULT_HEAD,
            DEFAULT_FIELDS,
            null,
            DEFAULT_TIMEOUT_MS,
            DEFAULT_ON_FAILURE,
            DEFAULT_SCORE_MODE,
            DEFAULT_WEIGHT,
            DEFAULT_WEIGHT
        );
    }
}
