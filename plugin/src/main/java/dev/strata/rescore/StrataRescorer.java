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
 * input unchanged ({@code keep_order}, logged at most once a minute) or fails the search ({@code error}).
 */
public final class StrataRescorer implements Rescorer {
    public static final StrataRescorer INSTANCE = new StrataRescorer();

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
            ctx.lastFailure = failure.getMessage();
            if (params.onFailure() == OnFailure.ERROR) {
                throw asSearchFailure(failure);
            }
            ctx.failureLog.record(failure.getMessage());
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

        if (rescoredDocs == null || rescoredDocs.isEmpty()) {
            String why = ctx.lastFailure != null
                ? ctx.lastFailure + " (on_failure=keep_order: first-stage score kept)"
                : "strata rescorer did not change this shard's scores (empty window or service failure with on_failure=keep_order)";
            return Explanation.match(first, why, sourceExplanation);
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
        /** Strata score by top-level doc id, for {@link #explain}. */
        Map<Integer, Float> strataScores;
        /** The message of the last failure on this shard, for {@link #explain}. */
        String lastFailure;
        /** Set when re-scoring the window for explanations failed, so each further hit does not call again. */
        String explainFailure;

        public Context(
            int windowSize,
            RescoreParams params,
            String indexName,
            Function<IndexSearcher, DocumentLoader> loaders,
            Reranker reranker,
            FailureLog failureLog
        ) {
            super(windowSize, INSTANCE);
            this.params = params;
            this.indexName = indexName;
            this.loaders = loaders;
            this.reranker = reranker;
            this.failureLog = failureLog;
        }

        float[] score(IndexSearcher searcher, int[] docIds, long deadlineNanos) throws StrataFailure {
            List<RerankDocument> documents;
            try {
                documents = loaders.apply(searcher).load(docIds);
            } catch (IOException e) {
                throw StrataFailure.local("could not read _id/_source of the rescore window: " + e.getMessage(), e);
            }
            RerankRequest request = new RerankRequest(params.query(), params.head(), params.fields(), documents, indexName, params.firstStage());
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
