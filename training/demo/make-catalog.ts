/**
 * The project's demo catalog: a seeded, synthetic set of appliance and electronics products (JSONL, one
 * catalog document per line). Every field the reranker reads is there (price, rating, reviews, release date,
 * category paths two levels deep with shared parents, store locations), and some descriptions carry HTML and
 * markdown noise so the cleaning step has work to do. It is made up: every row says so in
 * `attributes.synthetic = "true"`, and no brand, model code, price or review describes a real product.
 *
 * Run: `tsx training/demo/make-catalog.ts [out.jsonl] [--seed 42] [--count 300]`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CatalogDocumentInput } from '../../service/catalog/schema.ts';
import { createRng } from '../eval/stats.ts';

type Attrs = Record<string, string | number | boolean>;

/** Random helpers over one seeded generator, so the whole catalog follows from the seed. */
interface Dice {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  normal(mean: number, sd: number): number;
}

function makeDice(seed: number): Dice {
  const next = createRng(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
    // Box-Muller; 1 - u keeps the logarithm away from 0.
    normal: (mean, sd) => mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

/**
 * Expands a model-code pattern: `@` an upper-case letter, `~` a lower-case one, `#` a digit, `{key}` an attribute;
 * everything else is literal (so `RF##@####@@` reads like `RF28R7351SG`).
 */
function modelCode(pattern: string, attrs: Attrs, dice: Dice): string {
  const letters = 'ABCDEFGHJKLMNPRSTUVWXZ'; // no I, O, Q, Y: as in real codes, they read like digits
  return pattern
    .replace(/\{(\w+)\}/g, (_, key: string) => String(attrs[key] ?? ''))
    .replace(/[@~#]/g, (c) => {
      if (c === '#') return String(dice.int(0, 9));
      const l = dice.pick([...letters]);
      return c === '~' ? l.toLowerCase() : l;
    });
}

interface Brand {
  name: string;
  pattern: string;
  /** Product lines for types whose titles name one (laptops, phones). */
  lines?: string[];
}

interface ProductType {
  noun: string;
  category: string;
  brands: Brand[];
  attributes(dice: Dice, brand: string): Attrs;
  price(attrs: Attrs, dice: Dice): number;
  title(brand: string, line: string | undefined, model: string, attrs: Attrs): string;
  /** Description sentences; `{key}` is replaced by the attribute. */
  sentences: string[];
  praise: string[];
  complaints: string[];
}

const TV_OS: Record<string, string[]> = {
  Samsung: ['Tizen'],
  LG: ['webOS'],
  Sony: ['Google TV'],
  TCL: ['Google TV', 'Roku TV'],
  Hisense: ['VIDAA', 'Google TV'],
  Vizio: ['SmartCast'],
};
const COLORS = ['stainless steel', 'black stainless', 'white', 'black', 'silver', 'graphite'];
const ENERGY = ['A', 'B', 'C', 'D', 'E'];
/** Title case for words and hyphenated words: `top freezer` -> `Top Freezer`, `in-ear` -> `In-Ear`. */
const cap = (s: string) => s.replace(/(^|[\s-])(\p{Ll})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());

const TYPES: ProductType[] = [
  {
    noun: 'Refrigerator',
    category: 'appliances/kitchen/fridges',
    brands: [
      { name: 'Samsung', pattern: 'RF##@####@@' },
      { name: 'LG', pattern: 'LRFXS####@' },
      { name: 'Whirlpool', pattern: 'WRF###@@@@' },
      { name: 'Bosch', pattern: 'B36CT##@NS' },
      { name: 'Frigidaire', pattern: 'FRFS####@@' },
      { name: 'GE', pattern: 'GNE##@@@@@' },
    ],
    attributes: (d) => ({
      capacity_l: d.int(70, 160) * 5,
      style: d.pick(['French door', 'side-by-side', 'bottom freezer', 'top freezer']),
      energy_class: d.pick(ENERGY),
      color: d.pick(COLORS),
      ice_maker: d.chance(0.6),
      noise_db: d.int(35, 43),
    }),
    price: (a, d) =>
      (300 + (a.capacity_l as number) * d.int(2, 4)) *
      ({ 'French door': 1.3, 'side-by-side': 1.1, 'bottom freezer': 1, 'top freezer': 0.7 })[a.style as string]!,
    title: (b, _l, m, a) => `${b} ${a.capacity_l} L ${cap(String(a.style))} Refrigerator ${m}`,
    sentences: [
      '{a:capacity_l}-litre {style} refrigerator in {color} with energy class {energy_class}.',
      'Twin cooling keeps fruit and vegetables crisp for longer while the freezer stays frost-free.',
      'Runs at just {noise_db} dB, quiet enough for open-plan kitchens.',
      'Adjustable glass shelves and a deli drawer make room for party platters.',
    ],
    praise: ['Keeps everything cold and the ice maker is fast.', 'Plenty of room for a family of five.', 'Very quiet, we barely notice it running.'],
    complaints: ['The door seal started leaking after a year.', 'Ice maker jams every couple of weeks.', 'Freezer drawer feels flimsy.'],
  },
  {
    noun: 'Washing Machine',
    category: 'appliances/laundry/washing-machines',
    brands: [
      { name: 'Samsung', pattern: 'WF##@####@@' },
      { name: 'LG', pattern: 'WM####H@@' },
      { name: 'Bosch', pattern: 'WAW###@#' },
      { name: 'Whirlpool', pattern: 'WFW####H@' },
      { name: 'Miele', pattern: 'WWH### WCS' },
      { name: 'Electrolux', pattern: 'ELFW####@@' },
    ],
    attributes: (d) => ({
      capacity_kg: d.int(7, 12),
      spin_rpm: d.pick([1000, 1200, 1400, 1600]),
      loading: d.pick(['front', 'front', 'top']),
      energy_class: d.pick(ENERGY),
      color: d.pick(['white', 'graphite', 'silver']),
      steam: d.chance(0.5),
    }),
    price: (a, d) => 300 + (a.capacity_kg as number) * d.int(50, 120) + ((a.spin_rpm as number) - 1000) / 2,
    title: (b, _l, m, a) => `${b} ${a.capacity_kg} kg ${cap(String(a.loading))}-Load Washing Machine ${m}`,
    sentences: [
      'Washes up to {capacity_kg} kg per load and spins at {spin_rpm} rpm.',
      'Energy class {energy_class}, with an eco programme that saves water on half loads.',
      'A steam cycle loosens stains and reduces creases.',
      'The inverter motor is quieter and comes with a 10-year motor warranty.',
    ],
    praise: ['Clothes come out cleaner than with our old machine.', 'The quick wash is a lifesaver.', 'Barely vibrates even at full spin.'],
    complaints: ['Walks across the floor during spin.', 'The door gasket smells musty.', 'Cycles take far longer than advertised.'],
  },
  {
    noun: 'Dryer',
    category: 'appliances/laundry/dryers',
    brands: [
      { name: 'Samsung', pattern: 'DVE##@####@' },
      { name: 'LG', pattern: 'DLEX####@' },
      { name: 'Bosch', pattern: 'WTG###@#UC' },
      { name: 'Whirlpool', pattern: 'WED####H@' },
      { name: 'Miele', pattern: 'TWF### WP' },
    ],
    attributes: (d) => ({
      capacity_kg: d.int(7, 10),
      technology: d.pick(['heat pump', 'condenser', 'vented']),
      energy_class: d.pick(ENERGY),
      sensor_dry: d.chance(0.7),
      color: d.pick(['white', 'graphite']),
    }),
    price: (a, d) => ((a.technology === 'heat pump' ? 700 : 400) + d.int(0, 600)),
    title: (b, _l, m, a) => `${b} ${a.capacity_kg} kg ${cap(String(a.technology))} Dryer ${m}`,
    sentences: [
      '{a:capacity_kg} kg {technology} dryer, energy class {energy_class}.',
      'Moisture sensors stop the cycle when clothes are dry, which protects fabrics.',
      'The reversible door fits any laundry room layout.',
    ],
    praise: ['Towels come out fluffy.', 'Uses much less power than our old vented dryer.'],
    complaints: ['The lint filter clogs quickly.', 'Takes almost three hours for a full load.'],
  },
  {
    noun: 'Dishwasher',
    category: 'appliances/kitchen/dishwashers',
    brands: [
      { name: 'Bosch', pattern: 'SHX##@##@@' },
      { name: 'Miele', pattern: 'G #### @@@' },
      { name: 'KitchenAid', pattern: 'KDTM###@@S' },
      { name: 'Whirlpool', pattern: 'WDT###S@KZ' },
      { name: 'Samsung', pattern: 'DW##@####@@' },
      { name: 'GE', pattern: 'GDT###S@@@@' },
    ],
    attributes: (d) => ({
      place_settings: d.int(12, 16),
      noise_db: d.int(38, 49),
      energy_class: d.pick(ENERGY),
      third_rack: d.chance(0.5),
      color: d.pick(COLORS),
    }),
    price: (a, d) => 350 + (50 - (a.noise_db as number)) * d.int(40, 80) + (a.third_rack ? 100 : 0),
    title: (b, _l, m, a) => `${b} ${a.noise_db} dB ${a.place_settings}-Place Dishwasher ${m}`,
    sentences: [
      'Cleans {place_settings} place settings at only {noise_db} dB.',
      'A third rack holds cutlery and espresso cups.',
      'Auto-open drying lets steam escape so plastics come out dry.',
      'Energy class {energy_class}; the eco cycle uses under 10 litres of water.',
    ],
    praise: ['So quiet we have to check that it is running.', 'Dishes come out spotless, even baked-on pans.'],
    complaints: ['Plastics are still wet at the end.', 'Top rack wheels came off within months.'],
  },
  {
    noun: 'Wall Oven',
    category: 'appliances/kitchen/ovens',
    brands: [
      { name: 'Bosch', pattern: 'HBL####@@' },
      { name: 'Miele', pattern: 'H #### BP' },
      { name: 'GE', pattern: 'JTS##@@@@@' },
      { name: 'Whirlpool', pattern: 'WOS##@@#@@' },
      { name: 'KitchenAid', pattern: 'KOSE###@@@' },
      { name: 'Samsung', pattern: 'NV##@####@@' },
    ],
    attributes: (d) => ({
      capacity_l: d.int(13, 28) * 5,
      convection: d.chance(0.7),
      self_cleaning: d.chance(0.6),
      fuel: d.pick(['electric', 'electric', 'gas']),
      color: d.pick(COLORS),
    }),
    price: (a, d) => 700 + (a.capacity_l as number) * d.int(8, 16) + (a.convection ? 200 : 0),
    title: (b, _l, m, a) => `${b} ${a.capacity_l} L ${a.convection ? 'Convection ' : ''}Wall Oven ${m}`,
    sentences: [
      '{a:capacity_l}-litre {fuel} wall oven in {color}.',
      'True convection circulates hot air for even baking on three racks.',
      'Pyrolytic self-cleaning turns spills to ash.',
      'Wi-Fi control lets you preheat from your phone.',
    ],
    praise: ['Bakes evenly front to back.', 'Preheats in under ten minutes.'],
    complaints: ['The app disconnects all the time.', 'Door glass gets very hot.'],
  },
  {
    noun: 'Microwave',
    category: 'appliances/kitchen/microwaves',
    brands: [
      { name: 'Panasonic', pattern: 'NN-SN###@' },
      { name: 'Samsung', pattern: 'MS##@####@@' },
      { name: 'LG', pattern: 'LMC####@@' },
      { name: 'Sharp', pattern: 'SMC####@@' },
      { name: 'Toshiba', pattern: 'ML-EM##@@' },
    ],
    attributes: (d) => ({
      capacity_l: d.int(20, 45),
      power_w: d.pick([700, 900, 1000, 1100, 1200, 1250]),
      inverter: d.chance(0.4),
      grill: d.chance(0.3),
      color: d.pick(COLORS),
    }),
    price: (a, d) => 50 + (a.capacity_l as number) * d.int(3, 7) + (a.inverter ? 60 : 0) + (a.grill ? 40 : 0),
    title: (b, _l, m, a) => `${b} ${a.capacity_l} L ${a.power_w} W ${a.inverter ? 'Inverter ' : ''}Microwave ${m}`,
    sentences: [
      '{a:capacity_l}-litre, {power_w} W microwave.',
      'Inverter power defrosts evenly without cooking the edges.',
      'One-touch sensor reheat picks the time for you.',
      'A quartz grill browns and crisps.',
    ],
    praise: ['Heats evenly, no more cold centres.', 'Fits perfectly under our cabinets.'],
    complaints: ['The beep is very loud and cannot be turned off.', 'Turntable rattles.'],
  },
  {
    noun: 'Coffee Machine',
    category: 'appliances/kitchen/coffee-machines',
    brands: [
      { name: "De'Longhi", pattern: 'ECAM##.###' },
      { name: 'Breville', pattern: 'BES###@@@' },
      { name: 'Philips', pattern: 'EP####/##' },
      { name: 'Jura', pattern: 'E# #####' },
      { name: 'Siemens', pattern: 'TE###@#' },
      { name: 'Keurig', pattern: 'K-###' },
    ],
    attributes: (d) => ({
      kind: d.pick(['espresso', 'bean-to-cup', 'capsule', 'drip']),
      pressure_bar: d.pick([15, 19]),
      water_tank_l: d.int(10, 25) / 10,
      milk_frother: d.chance(0.5),
      color: d.pick(['black', 'silver', 'white', 'red']),
    }),
    price: (a, d) =>
      ({ 'bean-to-cup': 600, espresso: 300, capsule: 90, drip: 50 })[a.kind as string]! * (1 + d.next() * 1.5),
    title: (b, _l, m, a) => `${b} ${cap(String(a.kind))} Coffee Machine ${m}`,
    sentences: [
      '{a:kind} machine with a {pressure_bar}-bar pump and a {water_tank_l} L water tank.',
      'The steam wand textures milk for lattes and flat whites.',
      'A conical burr grinder with 13 settings grinds fresh for every cup.',
      'Descaling alerts keep it running smoothly.',
    ],
    praise: ['Makes better espresso than our local cafe.', 'Easy to clean and quick to heat up.'],
    complaints: ['Leaks from the drip tray.', 'The grinder is noisy early in the morning.'],
  },
  {
    noun: 'Vacuum Cleaner',
    category: 'appliances/cleaning/vacuum-cleaners',
    brands: [
      { name: 'Dyson', pattern: 'SV##' },
      { name: 'Shark', pattern: 'IZ###@' },
      { name: 'Miele', pattern: 'C# @@@@' },
      { name: 'iRobot', pattern: 'Roomba ~#' },
      { name: 'Bissell', pattern: '####@' },
      { name: 'Samsung', pattern: 'VS##@####@@' },
    ],
    attributes: (d) => {
      const kind = d.pick(['stick', 'robot', 'canister', 'upright']);
      const cordless = kind === 'robot' || (kind === 'stick' && d.chance(0.9));
      return {
        kind,
        cordless,
        ...(cordless ? { battery_min: d.int(6, 18) * 5 } : {}),
        suction_pa: d.int(8, 25) * 1000,
        bin_l: d.int(3, 20) / 10,
        color: d.pick(['grey', 'purple', 'red', 'black', 'nickel']),
      };
    },
    price: (a, d) => 60 + (a.suction_pa as number) / 100 + (a.cordless ? 150 : 0) + d.int(0, 250),
    title: (b, _l, m, a) => `${b} ${a.cordless ? 'Cordless ' : ''}${cap(String(a.kind))} Vacuum Cleaner ${m}`,
    sentences: [
      '{a:kind} vacuum with {suction_pa} Pa of suction and a {bin_l} L bin.',
      'HEPA filtration traps fine dust and pollen.',
      'The anti-tangle brush bar copes with pet hair.',
      'LED headlights reveal dust under furniture.',
    ],
    praise: ['Picks up all the dog hair.', 'Light enough to carry upstairs.'],
    complaints: ['Battery barely lasts for one floor.', 'The bin is tiny and fills quickly.'],
  },
  {
    noun: 'TV',
    category: 'electronics/tv',
    brands: [
      { name: 'Samsung', pattern: 'QN{screen_in}Q##@@' },
      { name: 'LG', pattern: '{screen_in}@##@PUA' },
      { name: 'Sony', pattern: 'XR-{screen_in}@##@' },
      { name: 'TCL', pattern: '{screen_in}Q###' },
      { name: 'Hisense', pattern: '{screen_in}U#@' },
      { name: 'Vizio', pattern: 'M{screen_in}Q#-@#' },
    ],
    attributes: (d, brand) => ({
      screen_in: d.pick([43, 50, 55, 65, 75, 85]),
      resolution: d.chance(0.08) ? '8K' : '4K',
      panel: d.pick(['OLED', 'QLED', 'LED', 'Mini-LED']),
      refresh_hz: d.pick([60, 120, 144]),
      smart_os: d.pick(TV_OS[brand] ?? ['Google TV']),
      color: d.pick(['black', 'titan black', 'silver']),
    }),
    price: (a, d) =>
      0.9 * (a.screen_in as number) ** 1.7 * (a.panel === 'OLED' ? 2 : a.panel === 'Mini-LED' ? 1.5 : 1) *
      (a.resolution === '8K' ? 2.2 : 1) * (0.8 + d.next() * 0.4),
    title: (b, _l, m, a) => `${b} ${a.screen_in}" ${a.resolution} ${a.panel} TV ${m}`,
    sentences: [
      '{a:screen_in}-inch {resolution} {panel} TV with a {refresh_hz} Hz panel.',
      'Dolby Vision and HDR10+ bring out detail in highlights and shadows.',
      '{smart_os} puts streaming apps and voice search on the home screen.',
      'Four HDMI 2.1 ports with VRR and ALLM for next-gen consoles.',
    ],
    praise: ['Picture is stunning, especially in dark scenes.', 'Great for gaming, no lag at all.'],
    complaints: ['Speakers are weak, you will want a soundbar.', 'Blooming around subtitles.'],
  },
  {
    noun: 'Laptop',
    category: 'electronics/computers/laptops',
    brands: [
      { name: 'Apple', pattern: 'M@@##LL/A', lines: ['MacBook Air', 'MacBook Pro'] },
      { name: 'Dell', pattern: 'I##-####-@@@', lines: ['XPS', 'Inspiron', 'Latitude'] },
      { name: 'Lenovo', pattern: '21@@###@US', lines: ['ThinkPad', 'IdeaPad', 'Yoga'] },
      { name: 'HP', pattern: '14-~~####~~', lines: ['Spectre x360', 'Envy', 'Pavilion'] },
      { name: 'ASUS', pattern: 'UX####@@-@@##', lines: ['Zenbook', 'Vivobook'] },
      { name: 'Acer', pattern: 'SF###-##-@#@@', lines: ['Swift', 'Aspire'] },
    ],
    attributes: (d, brand) => ({
      screen_in: brand === 'Apple' ? d.pick([13.6, 14.2, 15.3, 16.2]) : d.pick([13.3, 14, 15.6, 16]),
      ram_gb: d.pick([8, 16, 16, 32]),
      storage_gb: d.pick([256, 512, 512, 1024]),
      cpu:
        brand === 'Apple'
          ? d.pick(['Apple M2', 'Apple M3', 'Apple M4'])
          : d.pick(['Intel Core i5', 'Intel Core i7', 'Intel Core Ultra 7', 'AMD Ryzen 5', 'AMD Ryzen 7']),
      weight_kg: d.int(11, 22) / 10,
      color: d.pick(['silver', 'space grey', 'black', 'blue']),
    }),
    price: (a, d) => 250 + (a.ram_gb as number) * 25 + (a.storage_gb as number) * 0.4 + d.int(0, 600),
    title: (b, l, m, a) => `${b} ${l} ${a.screen_in}" Laptop ${a.ram_gb} GB RAM ${a.storage_gb} GB SSD ${m}`,
    sentences: [
      '{a:screen_in}-inch laptop with {cpu}, {ram_gb} GB of RAM and a {storage_gb} GB SSD.',
      'Weighs {weight_kg} kg and lasts a full working day on battery.',
      'A backlit keyboard and a 1080p webcam for video calls.',
      'Two USB-C ports with charging and DisplayPort output.',
    ],
    praise: ['Fast, light and the battery lasts forever.', 'Best keyboard I have used on a laptop.'],
    complaints: ['Fans spin up under light load.', 'Only two ports, you need a dongle.'],
  },
  {
    noun: 'Headphones',
    category: 'electronics/audio/headphones',
    brands: [
      { name: 'Sony', pattern: 'WH-####@@#' },
      { name: 'Bose', pattern: 'QC##' },
      { name: 'Sennheiser', pattern: 'HD ###' },
      { name: 'JBL', pattern: 'Tune ###@@' },
      { name: 'Audio-Technica', pattern: 'ATH-M##~' },
      { name: 'Beats', pattern: 'MQTP#LL/A' },
    ],
    attributes: (d) => {
      const wireless = d.chance(0.75);
      const form = d.pick(['over-ear', 'on-ear', 'in-ear']);
      return {
        form,
        wireless,
        anc: wireless && d.chance(0.6),
        ...(wireless ? { battery_h: form === 'in-ear' ? d.int(5, 10) : d.int(4, 12) * 5 } : {}),
        driver_mm: form === 'in-ear' ? d.pick([6, 10, 12]) : d.pick([30, 40, 45, 50]),
        color: d.pick(['black', 'white', 'midnight blue', 'sand']),
      };
    },
    price: (a, d) => 25 + (a.wireless ? 60 : 0) + (a.anc ? 120 : 0) + d.int(0, 200),
    title: (b, _l, m, a) =>
      `${b} ${a.wireless ? 'Wireless ' : ''}${a.anc ? 'Noise Cancelling ' : ''}${cap(String(a.form))} Headphones ${m}`,
    sentences: [
      '{form} headphones with {driver_mm} mm drivers.',
      'Active noise cancelling shuts out trains and open offices.',
      'Multipoint Bluetooth switches between laptop and phone.',
      'Lightweight and comfortable for hours.',
    ],
    praise: ['Noise cancelling is excellent on flights.', 'Comfortable even with glasses.'],
    complaints: ['Clamp force gives me a headache.', 'Bluetooth drops when the phone is in my pocket.'],
  },
  {
    noun: 'Smartphone',
    category: 'electronics/phones/smartphones',
    brands: [
      { name: 'Samsung', pattern: 'SM-@###U', lines: ['Galaxy S', 'Galaxy A', 'Galaxy Z Flip'] },
      { name: 'Apple', pattern: 'A####', lines: ['iPhone', 'iPhone Pro', 'iPhone Plus'] },
      { name: 'Google', pattern: 'G#@@@', lines: ['Pixel', 'Pixel Pro', 'Pixel a'] },
      { name: 'Motorola', pattern: 'XT####-#', lines: ['moto g', 'edge', 'razr'] },
      { name: 'OnePlus', pattern: 'CPH####', lines: ['OnePlus', 'Nord'] },
      { name: 'Xiaomi', pattern: '#######@@@', lines: ['Redmi Note', 'Xiaomi T'] },
    ],
    attributes: (d) => ({
      screen_in: d.int(58, 69) / 10,
      storage_gb: d.pick([128, 256, 512]),
      camera_mp: d.pick([12, 48, 50, 108, 200]),
      battery_mah: d.int(36, 55) * 100,
      five_g: d.chance(0.85),
      color: d.pick(['black', 'white', 'blue', 'green', 'titanium']),
    }),
    price: (a, d) => 150 + (a.storage_gb as number) * 0.8 + (a.camera_mp as number) * 1.5 + d.int(0, 500),
    title: (b, l, m, a) => `${b} ${l} ${a.storage_gb} GB ${cap(String(a.color))} ${m}`,
    sentences: [
      '{a:screen_in}-inch smartphone with {storage_gb} GB of storage.',
      'The {camera_mp} MP main camera shoots sharp photos in low light.',
      '{a:battery_mah} mAh battery with fast wired and wireless charging.',
      'IP68 water and dust resistance.',
    ],
    praise: ['Camera is amazing at night.', 'Battery easily lasts two days.'],
    complaints: ['Gets warm while charging.', 'Too big for one-handed use.'],
  },
];

const CLOSERS = [
  'Backed by a two-year limited warranty.',
  'Free delivery on orders over $49.',
  'Ships in recyclable packaging.',
  'Installation available in selected areas.',
];
const PRAISE = ['Works exactly as described.', 'Great value for the price.', 'Setup took ten minutes.', 'Would buy again!'];
const COMPLAINTS = ['Stopped working after three months.', 'Customer service was slow to respond.', 'Not worth the price.'];

const STORES = [
  { city: 'New York', lat: 40.7128, lon: -74.006 },
  { city: 'Chicago', lat: 41.8781, lon: -87.6298 },
  { city: 'Los Angeles', lat: 34.0522, lon: -118.2437 },
  { city: 'Houston', lat: 29.7604, lon: -95.3698 },
  { city: 'Seattle', lat: 47.6062, lon: -122.3321 },
  { city: 'Denver', lat: 39.7392, lon: -104.9903 },
  { city: 'Atlanta', lat: 33.749, lon: -84.388 },
  { city: 'Boston', lat: 42.3601, lon: -71.0589 },
];

const FIRST_DAY = Date.UTC(2018, 0, 1);
const LAST_DAY = Date.UTC(2026, 9, 31);

/** Fills `{key}` with an attribute and `{a:key}` with it and its article ("an upright", "a stick"). */
function fill(template: string, attrs: Attrs): string {
  return template.replace(/\{(a:)?(\w+)\}/g, (_, article: string | undefined, key: string) => {
    const value = String(attrs[key] ?? '');
    // "an" before a vowel sound, which includes numbers read as eight..., eleven, eighteen
    return article ? `${/^([aeiou]|8|1[18]\b)/i.test(value) ? 'an' : 'a'} ${value}` : value;
  });
}

/**
 * Formats description sentences, in one of several dirty styles: real catalog feeds mix plain text with HTML
 * fragments, escaped entities and markdown, and the demo should exercise the cleaning that handles them.
 */
function formatDescription(sentences: string[], dice: Dice): string {
  const style = dice.pick(['plain', 'plain', 'plain', 'plain', 'html', 'html', 'markdown', 'messy']);
  // Feeds that write HTML tend to write "and" as an escaped ampersand too.
  const escaped = sentences.map((s) => s.replace(/ and /g, ' &amp; '));
  const [first = '', ...rest] = style === 'html' || style === 'messy' ? escaped : sentences;
  switch (style) {
    case 'html':
      return `<p>${first}</p>${rest.length ? `<ul>${rest.map((s) => `<li>${s}</li>`).join('')}</ul>` : ''}`;
    case 'markdown':
      return `**${first}**${rest.length ? `\n\n${rest.map((s) => `- ${s}`).join('\n')}` : ''}`;
    case 'messy':
      return [first, ...rest].join('<br/>&nbsp;&nbsp;');
    default:
      return sentences.join(' ');
  }
}

function reviewsFor(type: ProductType, rating: number, dice: Dice): string[] {
  const n = dice.int(1, 4);
  // The tone follows the rating, so reviews and stars do not contradict each other.
  const pPositive = (rating - 1) / 4;
  const reviews = Array.from({ length: n }, () =>
    dice.chance(pPositive)
      ? dice.pick(dice.chance(0.6) ? type.praise : PRAISE)
      : dice.pick(dice.chance(0.6) ? type.complaints : COMPLAINTS),
  );
  return [...new Set(reviews)];
}

function makeProduct(index: number, type: ProductType, usedModels: Set<string>, dice: Dice): CatalogDocumentInput {
  const brand = dice.pick(type.brands);
  const line = brand.lines ? dice.pick(brand.lines) : undefined;
  const attrs = type.attributes(dice, brand.name);
  let model = modelCode(brand.pattern, attrs, dice);
  // Patterns with few random characters (e.g. `QC99`) can repeat; a suffix keeps model codes unique.
  for (let n = 2; usedModels.has(`${brand.name} ${model}`); n++) model = `${modelCode(brand.pattern, attrs, dice)}-${n}`;
  usedModels.add(`${brand.name} ${model}`);

  const releaseMs = FIRST_DAY + Math.floor(dice.next() * ((LAST_DAY - FIRST_DAY) / 86_400_000 + 1)) * 86_400_000;
  const releaseYear = new Date(releaseMs).getUTCFullYear();
  // Newer models list a little higher; .99 endings because that is what shop prices look like.
  const price = Math.max(9.99, Math.round(type.price(attrs, dice) * (1 + 0.03 * (releaseYear - 2018))) - 0.01);

  const reviewCount = dice.chance(0.1) ? 0 : Math.round(Math.exp(dice.normal(3.5, 1.3)));
  const rating = Math.round(Math.min(5, Math.max(1, dice.normal(4.1, 0.6))) * 10) / 10;

  const picked = type.sentences.filter((_, i) => i === 0 || dice.chance(0.6));
  const sentences = [fill(picked[0] ?? '', attrs).replace(/^./, (c) => c.toUpperCase()), ...picked.slice(1).map((s) => fill(s, attrs))];
  if (dice.chance(0.5)) sentences.push(dice.pick(CLOSERS));

  const doc: CatalogDocumentInput = {
    id: `demo-${String(index + 1).padStart(4, '0')}`,
    title: type.title(brand.name, line, model, attrs),
    ...(dice.chance(0.95) ? { description: formatDescription(sentences, dice) } : {}),
    brand: brand.name,
    category: type.category,
    price,
    currency: 'USD',
    ...(reviewCount > 0 ? { rating, review_count: reviewCount } : { review_count: 0 }),
    release_date: new Date(releaseMs).toISOString().slice(0, 10),
    attributes: { ...attrs, model, synthetic: 'true' },
  };
  if (reviewCount > 0 && dice.chance(0.6)) doc.reviews = reviewsFor(type, rating, dice);
  if (dice.chance(0.4)) {
    const store = dice.pick(STORES);
    // A little jitter so stores of one city are not one point.
    doc.location = {
      lat: Math.round((store.lat + (dice.next() - 0.5) * 0.1) * 1e4) / 1e4,
      lon: Math.round((store.lon + (dice.next() - 0.5) * 0.1) * 1e4) / 1e4,
    };
  }
  return doc;
}

/**
 * Makes the synthetic demo catalog: `count` products cycling through the product types, all drawn from `seed`.
 *
 * @example
 *   const docs = makeDemoCatalog({ seed: 42 }); // 300 documents, identical on every run
 */
export function makeDemoCatalog({ seed = 42, count = 300 }: { seed?: number; count?: number } = {}): CatalogDocumentInput[] {
  const dice = makeDice(seed);
  const usedModels = new Set<string>();
  return Array.from({ length: count }, (_, i) => makeProduct(i, TYPES[i % TYPES.length]!, usedModels, dice));
}

/**
 * Writes the demo catalog as JSONL (one document per line), creating the folder if needed.
 *
 * @example
 *   await writeDemoCatalog('demo/catalog.jsonl'); // { path: 'demo/catalog.jsonl', count: 300 }
 */
export async function writeDemoCatalog(
  file: string,
  options: { seed?: number; count?: number } = {},
): Promise<{ path: string; count: number }> {
  const docs = makeDemoCatalog(options);
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n', 'utf8');
  return { path: file, count: docs.length };
}

/** Default output: `demo/catalog.jsonl` at the repository root. */
export const DEFAULT_DEMO_CATALOG = fileURLToPath(new URL('../../demo/catalog.jsonl', import.meta.url));

/**
 * Command-line entry: `[out.jsonl] [--seed N] [--count N]`.
 *
 * @example await main(['/tmp/catalog.jsonl', '--seed', '7']);
 */
export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { seed: { type: 'string', default: '42' }, count: { type: 'string', default: '300' } },
  });
  const seed = Number(values.seed);
  const count = Number(values.count);
  if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1) {
    throw new Error(`--seed and --count must be integers (count >= 1), got ${values.seed} and ${values.count}`);
  }
  const out = positionals[0] ?? DEFAULT_DEMO_CATALOG;
  const result = await writeDemoCatalog(out, { seed, count });
  console.log(`wrote ${result.count} synthetic products to ${result.path} (seed ${seed})`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`make-catalog: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
