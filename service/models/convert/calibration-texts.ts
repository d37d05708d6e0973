/**
 * Texts the converter runs through a model to fix the activation ranges of its int8 graph (see `static-quant.ts`).
 * Written for Strata, not taken from a data set: the ranges are set by a few systematic outlier dimensions every
 * input shows, so what matters is variety in kind and length (queries, product titles with codes and numbers,
 * support questions, prose, passages near 256 tokens), not volume.
 */
export const CALIBRATION_TEXTS: readonly string[] = [
  'red running shoes size 42',
  'wireless noise cancelling headphones under 200',
  'how do I reset my password',
  'refund for a damaged parcel',
  'Samsung SM-G991B 128GB Phantom Grey',
  'iphone charger usb-c 20W',
  'cotton t-shirt for men, navy blue, slim fit',
  'Bosch GSR 18V-55 cordless drill driver with 2 x 2.0Ah batteries',
  'stainless steel water bottle 750 ml leak proof',
  'vitamin d deficiency symptoms in adults',
  'my card was charged twice for the same order',
  'Why is my package still in transit after two weeks?',
  'Can I change the delivery address after the order has shipped?',
  'best laptop for video editing 2024',
  'ERR_CONNECTION_REFUSED when opening localhost:8080',
  'Kids Girls Pink Printed Top',
  'Women Black Leather Handbag with detachable strap',
  'gluten free pasta 500g',
  'The exchange rate was not applied to my international transfer.',
  'SKU 4471-XL-BLK out of stock?',
  'Aspirin reduces the risk of a first heart attack in adults over 70.',
  'Mutations in the BRCA1 gene increase the lifetime risk of breast and ovarian cancer.',
  'The committee approved the budget after a long debate about funding for public transport and schools.',
  'Return policy: unworn items can be returned within 30 days with the original receipt for a full refund.',
  'This lightweight rain jacket packs into its own pocket, has taped seams and an adjustable hood, and weighs 210 g.',
  'Elasticsearch stores documents in shards; each shard is a Lucene index with its own segments and term dictionaries.',
  'I topped up my account yesterday but the balance still shows zero. The app says the top-up is pending. What should I do?',
  'Samsung Galaxy Tab S9 FE 10.9" 6GB RAM 128GB Wi-Fi Android tablet, IP68, S Pen included, mint',
  'Sleep deprivation impairs attention, working memory and long-term memory consolidation in healthy young adults, '
    + 'and recovery sleep only partly restores performance.',
  'Step 1: unplug the router. Step 2: wait thirty seconds. Step 3: plug it back in and wait until the light turns green. '
    + 'If it blinks orange, hold the reset button for ten seconds.',
  'The museum reopened on Saturday with a new wing for modern art, a café on the roof and free entry for children '
    + 'under twelve on the first Sunday of every month.',
  'Background: Chronic inflammation is associated with insulin resistance. Methods: We measured C-reactive protein '
    + 'and interleukin-6 in 1,204 participants followed for eight years. Results: Higher baseline levels predicted '
    + 'incident type 2 diabetes after adjustment for age, sex, body mass index and physical activity (hazard ratio 1.6, '
    + '95% CI 1.2-2.1). Conclusions: Low-grade inflammation precedes the onset of diabetes and may be a target for '
    + 'prevention. Further trials are needed to test whether lowering inflammatory markers changes the course of the '
    + 'disease in people at high risk, and whether the effect differs between men and women or across ethnic groups.',
  'Our warehouse in Rotterdam ships orders placed before 3 pm on the same working day. Standard delivery takes two to '
    + 'four days within the EU and five to eight days to the UK, Switzerland and Norway, where import duties may apply '
    + 'and are collected by the carrier on delivery. Express delivery is available for most addresses for an extra fee '
    + 'shown at checkout. Large items such as furniture and appliances are delivered by a partner who will call you to '
    + 'agree a two-hour time slot. If nobody is home, the parcel is taken to the nearest pickup point and kept there '
    + 'for fourteen days before it is returned to us and refunded, minus the shipping cost.',
  'The new firmware adds support for the Matter standard, so the thermostat can be controlled from any compatible hub. '
    + 'After the update the device restarts twice; do not unplug it while the display shows the progress bar. Schedules '
    + 'and temperature offsets are kept, but geofencing has to be enabled again in the app because the location '
    + 'permission model changed. Known issues: on some routers the device reconnects slowly after a power cut, and the '
    + 'humidity reading can lag by up to five minutes. Both will be fixed in the next release. Version 4.2.1 also closes '
    + 'a vulnerability in the local web interface, which is now disabled by default.',
  'Photosynthesis converts light energy into chemical energy stored in glucose. In the light-dependent reactions, '
    + 'water is split and oxygen released while ATP and NADPH are produced in the thylakoid membranes. The Calvin cycle '
    + 'in the stroma then fixes carbon dioxide into three-carbon sugars using that ATP and NADPH. The enzyme RuBisCO, '
    + 'which catalyses the first step of carbon fixation, is slow and also reacts with oxygen, a wasteful process called '
    + 'photorespiration. C4 and CAM plants reduce it by concentrating carbon dioxide around the enzyme, which is why '
    + 'maize and sugarcane grow so well in hot, dry climates where stomata must stay closed for much of the day.',
  'Premium men’s merino wool sweater, crew neck, ribbed cuffs and hem, machine washable at 30°C, available in charcoal, '
    + 'bottle green, camel and navy, sizes S to XXL. Merino fibres are finer than regular wool, so the knit feels soft '
    + 'rather than itchy, regulates temperature and resists odour, which means it can be worn several times between '
    + 'washes. Model is 1.85 m tall and wears size L. Made in Portugal from mulesing-free wool certified to the '
    + 'Responsible Wool Standard. Pair it with chinos for the office or with jeans at the weekend.',
];
