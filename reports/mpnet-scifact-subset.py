# Builds a BEIR folder restricted to the documents present in the (partial) index, keeping only the training
# queries whose every judged document is among them, so every system is scored on the same corpus and queries.
import json, os, sys, urllib.request
es, alias, src, out = sys.argv[1:5]
def post(path, body):
    req = urllib.request.Request(es + path, data=json.dumps(body).encode(), headers={'Content-Type': 'application/json'})
    return json.load(urllib.request.urlopen(req))
ids = set()
page = post(f'/{alias}/_search?scroll=1m', {'size': 5000, '_source': False, 'query': {'match_all': {}}})
while page['hits']['hits']:
    ids.update(h['_id'] for h in page['hits']['hits'])
    page = post('/_search/scroll', {'scroll': '1m', 'scroll_id': page['_scroll_id']})
os.makedirs(f'{out}/qrels', exist_ok=True)
n = 0
with open(f'{src}/corpus.jsonl') as f, open(f'{out}/corpus.jsonl', 'w') as g:
    for line in f:
        if json.loads(line)['_id'] in ids: g.write(line); n += 1
judged = {}
lines = open(f'{src}/qrels/train.tsv').read().splitlines()
for l in lines[1:]:
    q, d, s = l.split('\t'); judged.setdefault(q, []).append((d, s))
keep = {q for q, ds in judged.items() if all(d in ids for d, _ in ds)}
with open(f'{out}/qrels/train.tsv', 'w') as g:
    g.write(lines[0] + '\n')
    for l in lines[1:]:
        if l.split('\t')[0] in keep: g.write(l + '\n')
with open(f'{src}/queries.jsonl') as f, open(f'{out}/queries.jsonl', 'w') as g:
    for line in f:
        if json.loads(line)['_id'] in keep: g.write(line)
print(json.dumps({'indexed': len(ids), 'corpus': n, 'queries': len(keep), 'judgedQueries': len(judged)}))
