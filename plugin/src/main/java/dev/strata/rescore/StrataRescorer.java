package dev.strata.rescore;

import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.rescore.RescoreContext;
import org.elasticsearch.search.rescore.Rescorer;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Rescores a shard's top window with the Strata service: collects each hit's {@code _id} and fields, asks the
 * service for scores, combines them with the first-stage scores per {@link ScoreMode} and sorts descending.
 *
 * <p>Runs synchronously on the shard's search thread, bounded by {@code timeout_ms}. On failure it returns the
 * input unchanged ({@code keep_order}, logged at most once a minute) or fails the search ({@code error}); either
 * way the failure is counted by reason in {@link StrataStats} ({@code GET _strata/stats}), and with
 * {@code "explain": true} every hit of a shard that fell back says so and why.
 *
 * <p>Why not a shard failure entry for {@code keep_order}: a rescorer either returns the shard's hits or throws,
 * and a throw drops that shard's hits (RescorePhase turns it into a shard failure). The one partial-result flag
 * it can reach is the search timeout path ({@code timed_out: true}), which would claim that the search's own
 * {@code timeout} passed. So the fallback is reported through explain and the node's counters instead.
 */
public final class StrataRescorer implements Rescorer {
    public static final StrataRescorer INSTANCE = new StrataRescorer();

    /**
     * Put in the shard's "rescored docs" when it fell back. Elasticsearch hands that set from the query phase to
     * the fetch phase (RescoreDocIds), also when they run in separate contexts, so explain there still knows the
     * shard was not rescored; -1 is never a Lucene doc id.
     */
    static final int FELL_BACK = -1;

    private StrataRescorer() {}

    @Override
    public TopDocs rescore(TopDocs topDocs, IndexSearcher searcher, RescoreContext rescoreContext) throws IOException {
        if (topDocs == null || topDocs.scoreDocs.length == 0) {
            return topDocs;
        }
        Context ctx = (Context) rescoreContext;
        RescoreParams params = ctx.params;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(params.timeoutMs());

        int windowLength = Math.min(topDocs.scoreDocs.length, ctx.getWindowSize());
        int[] windowIds = new int[windowLength];
        for (int i = 0; i < windowLength; i++) {
            windowIds[i] = topDocs.scoreDocs[i].doc;
        }

        ctx.checkCancellation();
        float[] strata;
        try {
            strata = ctx.score(searcher, windowIds, deadline);
        } catch (StrataFailure failure) {
            ctx.lastFailure = failure;
            ctx.stats.failed(failure, params.onFailure());
            if (params.onFailure() == OnFailure.ERROR) {
                throw asSearchFailure(failure);
            }
            ctx.failureLog.record(failure.getMessage());
            ctx.setRescoredDocs(Set.of(FELL_BACK));
            return topDocs;
        }
        ctx.checkCancellation();

        ScoreDoc[] rescored = new ScoreDoc[topDocs.scoreDocs.length];
        Map<Integer, Float> byDoc = new HashMap<>();
        for (int i = 0; i < topDocs.scoreDocs.length; i++) {
            ScoreDoc in = topDocs.scoreDocs[i];
            float score;
            if (i < windowLength) {
                score = params.scoreMode().combine(in.score, strata[i], params.queryWeight(), params.rescoreQueryWeight());
                byDoc.put(in.doc, strata[i]);
            } else {
                score = params.scoreMode().outsideWindow(in.score, params.queryWeight());
            }
            rescored[i] = new ScoreDoc(in.doc, score, in.shardIndex);
        }
        Arrays.sort(rescored, SCORE_DOC_COMPARATOR);
        ctx.strataScores = byDoc;
        ctx.setRescoredDocs(Set.copyOf(byDoc.keySet()));
        ctx.stats.rescored(windowLength);
        return new TopDocs(topDocs.totalHits, rescored);
    }

    @Override
    public Explanation explain(int topLevelDocId, IndexSearcher searcher, RescoreContext rescoreContext, Explanation sourceExplanation)
        throws IOException {
        if (sourceExplanation == null) {
            return Explanation.noMatch("nothing matched");
        }
        Context ctx = (Context) rescoreContext;
        RescoreParams params = ctx.params;
        float first = sourceExplanation.getValue().floatValue();
        Set<Integer> rescoredDocs = ctx.getRescoredDocs();

        if (rescoredDocs != null && rescoredDocs.contains(FELL_BACK)) {
            return Explanation.match(first, fellBack(ctx), sourceExplanation);
        }
        if (rescoredDocs == null || rescoredDocs.isEmpty()) {
            return Explanation.match(first, "strata rescorer did not run on this shard's hits: first-stage score kept", sourceExplanation);
        }
        if (ctx.isRescored(topLevelDocId) == false) {
            float score = params.scoreMode().outsideWindow(first, params.queryWeight());
            if (params.scoreMode() == ScoreMode.REPLACE) {
                return Explanation.match(score, "outside the strata rescore window: first-stage score kept", sourceExplanation);
            }
            return Explanation.match(
                score,
                "outside the strata rescore window: first-stage score times query_weight, product of:",
                sourceExplanation,
                Explanation.match(params.queryWeight(), "query_weight")
            );
        }

        Float strata = ctx.strataScores == null ? null : ctx.strataScores.get(topLevelDocId);
        if (strata == null && ctx.explainFailure == null) {
            // The fetch phase runs in a fresh context on multi-shard searches: score the shard's window again, once.
            try {
                ctx.rescoreWindowForExplain(searcher);
                strata = ctx.strataScores.get(topLevelDocId);
            } catch (StrataFailure failure) {
                if (params.onFailure() == OnFailure.ERROR) {
                    throw asSearchFailure(failure);
                }
                ctx.failureLog.record(failure.getMessage());
                ctx.explainFailure = failure.getMessage(); // do not call again for the next hit
            }
        }
        if (strata == null) {
            return Explanation.match(
                first,
                "strata score unavailable for the explanation: " + ctx.explainFailure + " (on_failure=keep_order)",
                sourceExplanation
            );
        }
        return explainCombination(params, first, strata, sourceExplanation);
    }

    /**
     * "not rescored by strata (timeout): MESSAGE; on_failure=keep_order kept the first-stage score". The reason is
     * exact when query and fetch share a context (one shard); otherwise it is the node's most recent failure.
     */
    static String fellBack(Context ctx) {
        String tail = "; on_failure=keep_order kept the first-stage score";
        if (ctx.lastFailure != null) {
            return "not rescored by strata (" + ctx.lastFailure.reason().jsonName() + "): " + ctx.lastFailure.getMessage() + tail;
        }
        StrataStats.LastFailure last = ctx.stats.lastFailure();
        String why = last == null
            ? "the service call for this shard's window failed"
            : "the service call for this shard's window failed; the node's last failure ("
                + last.reason().jsonName() + ", " + Instant.ofEpochMilli(last.timestampMillis()) + "): " + last.message();
        return "not rescored by strata: " + why + tail;
    }

    /** The explanation tree for a rescored hit: the Strata score, the head, and the combination per score_mode. */
    static Explanation explainCombination(RescoreParams params, float first, float strata, Explanation sourceExplanation) {
        float combined = params.scoreMode().combine(first, strata, params.queryWeight(), params.rescoreQueryWeight());
        Explanation strataPart = Explanation.match(
            params.rescoreQueryWeight() * strata,
            "strata score times rescore_query_weight, product of:",
            Explanation.match(strata, "strata score from the service (head [" + params.head() + "], fields " + params.fields() + ")"),
            Explanation.match(params.rescoreQueryWeight(), "rescore_query_weight")
        );
        return switch (params.scoreMode()) {
            case REPLACE -> Explanation.match(
                combined,
                "strata rescore, score_mode [replace]: the strata score replaces the first-stage score (" + first + "), from:",
                strataPart
            );
            case TOTAL -> Explanation.match(
                combined,
                "strata rescore, score_mode [total], sum of:",
                firstPart(params, sourceExplanation),
                strataPart
            );
            case MULTIPLY -> Explanation.match(
                combined,
                "strata rescore, score_mode [multiply], product of:",
                firstPart(params, sourceExplanation),
                strataPart
            );
        };
    }

    private static Explanation firstPart(RescoreParams params, Explanation sourceExplanation) {
        return Explanation.match(
            sourceExplanation.getValue().floatValue() * params.queryWeight(),
            "first-stage score times query_weight, product of:",
            sourceExplanation,
            Explanation.match(params.queryWeight(), "query_weight")
        );
    }

    static ElasticsearchStatusException asSearchFailure(StrataFailure failure) {
        RestStatus status = failure.isTimeout() ? RestStatus.GATEWAY_TIMEOUT : RestStatus.BAD_GATEWAY;
        return new ElasticsearchStatusException(failure.getMessage(), status, failure.getCause());
    }

    /** Per-shard, per-request state: the parameters, how to load and score documents, and the scores it got. */
    public static final class Context extends RescoreContext {
        final RescoreParams params;
        final String indexName;
        final Function<IndexSearcher, DocumentLoader> loaders;
        final Reranker reranker;
        final FailureLog failureLog;
        final StrataStats stats;
        /** Strata score by top-level doc id, for {@link #explain}. */
        Map<Integer, Float> strataScores;
        /** The failure that made this shard fall back, for {@link #explain}. */
        StrataFailure lastFailure;
        /** Set when re-scoring the window for explanations failed, so each further hit does not call again. */
        String explainFailure;

        public Context(
            int windowSize,
            RescoreParams params,
            String indexName,
            Function<IndexSearcher, DocumentLoader> loaders,
            Reranker reranker,
            FailureLog failureLog,
            StrataStats stats
        ) {
            super(windowSize, INSTANCE);
            this.params = params;
            this.indexName = indexName;
            this.loaders = loaders;
            this.reranker = reranker;
            this.failureLog = failureLog;
            this.stats = stats;
        }

        float[] score(IndexSearcher searcher, int[] docIds, long deadlineNanos) throws StrataFailure {
            List<RerankDocument> documents;
            try {
                documents = loaders.apply(searcher).load(docIds);
            } catch (IOException e) {
                throw StrataFailure.local("could not read _id/_source of the rescore window: " + e.getMessage(), e);
            }
            RerankRequest request = new RerankRequest(params.query(), params.head(), params.fields(), documents, indexName);
            float[] scores = reranker.rerank(request, deadlineNanos);
            if (scores.length != docIds.length) {
                throw new IllegalStateException("reranker returned " + scores.length + " scores for " + docIds.length + " documents");
            }
            return scores;
        }

        void rescoreWindowForExplain(IndexSearcher searcher) throws StrataFailure {
            int[] ids = getRescoredDocs().stream().mapToInt(Integer::intValue).sorted().toArray();
            float[] scores = score(searcher, ids, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(params.timeoutMs()));
            Map<Integer, Float> byDoc = new HashMap<>();
            for (int i = 0; i < ids.length; i++) {
                byDoc.put(ids[i], scores[i]);
            }
            strataScores = byDoc;
        }

        /** Doc ids whose Strata score is known in this context (tests). */
        Set<Integer> scoredDocs() {
            return strataScores == null ? Set.of() : new HashSet<>(strataScores.keySet());
        }
    }
}
