package dev.strata.rescore;

import org.elasticsearch.TransportVersion;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.index.query.QueryRewriteContext;
import org.elasticsearch.index.query.SearchExecutionContext;
import org.elasticsearch.search.lookup.SourceFilter;
import org.elasticsearch.search.lookup.SourceProvider;
import org.elasticsearch.search.rescore.RescoreContext;
import org.elasticsearch.search.rescore.RescorerBuilder;
import org.elasticsearch.xcontent.ObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * The {@code strata} rescore block of the query DSL:
 *
 * <pre>
 * "rescore": { "window_size": 100,
 *   "strata": { "query": "energy efficient refrigerator", "head": "default", "fields": ["title", "description"],
 *               "timeout_ms": 1000, "on_failure": "keep_order", "score_mode": "replace",
 *               "query_weight": 1.0, "rescore_query_weight": 1.0 } }
 * </pre>
 *
 * The builder is parsed on the coordinating node, sent to every shard over the transport stream and turned into a
 * {@link StrataRescorer.Context} there.
 */
public final class StrataRescorerBuilder extends RescorerBuilder<StrataRescorerBuilder> {
    public static final String NAME = "strata";

    static final ParseField QUERY = new ParseField("query");
    static final ParseField HEAD = new ParseField("head");
    static final ParseField FIELDS = new ParseField("fields");
    static final ParseField INDEX_NAME = new ParseField("index_name");
    static final ParseField TIMEOUT_MS = new ParseField("timeout_ms");
    static final ParseField ON_FAILURE = new ParseField("on_failure");
    static final ParseField SCORE_MODE = new ParseField("score_mode");
    static final ParseField QUERY_WEIGHT = new ParseField("query_weight");
    static final ParseField RESCORE_QUERY_WEIGHT = new ParseField("rescore_query_weight");

    /** Collects raw values; {@link #build} validates them together so every message names its field. */
    private static final class Draft {
        String query;
        String head = RescoreParams.DEFAULT_HEAD;
        List<String> fields = RescoreParams.DEFAULT_FIELDS;
        String indexName;
        int timeoutMs = RescoreParams.DEFAULT_TIMEOUT_MS;
        String onFailure = RescoreParams.DEFAULT_ON_FAILURE.dslName();
        String scoreMode = RescoreParams.DEFAULT_SCORE_MODE.dslName();
        float queryWeight = RescoreParams.DEFAULT_WEIGHT;
        float rescoreQueryWeight = RescoreParams.DEFAULT_WEIGHT;

        RescoreParams build() {
            return new RescoreParams(
                query,
                head,
                fields,
                indexName,
                timeoutMs,
                OnFailure.fromDsl(onFailure),
                ScoreMode.fromDsl(scoreMode),
                queryWeight,
                rescoreQueryWeight
            );
        }
    }

    // Unknown fields are rejected by ObjectParser with "[strata] unknown field [x]" (and a did-you-mean).
    private static final ObjectParser<Draft, Void> PARSER = new ObjectParser<>(NAME, Draft::new);
    static {
        PARSER.declareString((d, v) -> d.query = v, QUERY);
        PARSER.declareString((d, v) -> d.head = v, HEAD);
        PARSER.declareStringArray((d, v) -> d.fields = v, FIELDS);
        PARSER.declareString((d, v) -> d.indexName = v, INDEX_NAME);
        PARSER.declareInt((d, v) -> d.timeoutMs = v, TIMEOUT_MS);
        PARSER.declareString((d, v) -> d.onFailure = v, ON_FAILURE);
        PARSER.declareString((d, v) -> d.scoreMode = v, SCORE_MODE);
        PARSER.declareFloat((d, v) -> d.queryWeight = v, QUERY_WEIGHT);
        PARSER.declareFloat((d, v) -> d.rescoreQueryWeight = v, RESCORE_QUERY_WEIGHT);
    }

    private final RescoreParams params;
    private final StrataRuntime runtime;

    /**
     * @param runtime the node's service settings and HTTP client; may be null only where no context is built
     *                (parsing and serialisation tests)
     */
    public StrataRescorerBuilder(RescoreParams params, StrataRuntime runtime) {
        this.params = Objects.requireNonNull(params, "params");
        this.runtime = runtime;
    }

    /** Reads the transport form written by {@link #doWriteTo}. */
    public StrataRescorerBuilder(StreamInput in, StrataRuntime runtime) throws IOException {
        super(in);
        this.params = new RescoreParams(
            in.readString(),
            in.readString(),
            in.readStringCollectionAsImmutableList(),
            in.readOptionalString(),
            in.readVInt(),
            in.readEnum(OnFailure.class),
            in.readEnum(ScoreMode.class),
            in.readFloat(),
            in.readFloat()
        );
        this.runtime = runtime;
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        out.writeString(params.query());
        out.writeString(params.head());
        out.writeStringCollection(params.fields());
        out.writeOptionalString(params.indexName());
        out.writeVInt(params.timeoutMs());
        out.writeEnum(params.onFailure());
        out.writeEnum(params.scoreMode());
        out.writeFloat(params.queryWeight());
        out.writeFloat(params.rescoreQueryWeight());
    }

    /** Parses the object under {@code "strata"}; the parser stands on its START_OBJECT. */
    public static StrataRescorerBuilder fromXContent(XContentParser parser, StrataRuntime runtime) throws IOException {
        return new StrataRescorerBuilder(PARSER.parse(parser, null).build(), runtime);
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params xParams) throws IOException {
        builder.startObject(NAME);
        builder.field(QUERY.getPreferredName(), params.query());
        builder.field(HEAD.getPreferredName(), params.head());
        builder.stringListField(FIELDS.getPreferredName(), params.fields());
        if (params.indexName() != null) {
            builder.field(INDEX_NAME.getPreferredName(), params.indexName());
        }
        builder.field(TIMEOUT_MS.getPreferredName(), params.timeoutMs());
        builder.field(ON_FAILURE.getPreferredName(), params.onFailure().dslName());
        builder.field(SCORE_MODE.getPreferredName(), params.scoreMode().dslName());
        builder.field(QUERY_WEIGHT.getPreferredName(), params.queryWeight());
        builder.field(RESCORE_QUERY_WEIGHT.getPreferredName(), params.rescoreQueryWeight());
        builder.endObject();
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public TransportVersion getMinimalSupportedVersion() {
        // Only nodes with this plugin installed can read it; the plugin pins one Elasticsearch version.
        return TransportVersion.zero();
    }

    @Override
    public StrataRescorerBuilder rewrite(QueryRewriteContext ctx) {
        return this;
    }

    @Override
    protected RescoreContext innerBuildContext(int windowSize, SearchExecutionContext context) {
        if (runtime == null) {
            throw new IllegalStateException("strata rescorer: the plugin runtime is not initialised on this node");
        }
        // Only the requested fields are loaded; for synthetic _source this also avoids rebuilding the whole document.
        SourceFilter filter = new SourceFilter(params.fields().toArray(String[]::new), null);
        SourceProvider sources = context.createSourceProvider(filter);
        String indexName = params.indexName() != null ? params.indexName() : context.index().getName();
        return new StrataRescorer.Context(
            windowSize,
            params,
            indexName,
            searcher -> new SourceDocumentLoader(searcher, sources, params.fields()),
            runtime.reranker(),
            runtime.failureLog(),
            runtime.stats()
        );
    }

    public RescoreParams params() {
        return params;
    }

    @Override
    public boolean equals(Object obj) {
        return super.equals(obj) && params.equals(((StrataRescorerBuilder) obj).params);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + params.hashCode();
    }
}
