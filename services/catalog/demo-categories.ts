import type { Faker } from '@faker-js/faker'

/** How the demo catalog fills one category: its vocabulary, price range and colour. */
export interface DemoCategory {
  id: string
  name: string
  description: string
  /** The base hue of its products' placeholders, so a category's cards look related. */
  hue: number
  priceEuros: [min: number, max: number]
  nouns: string[]
  /** Empty where a material means nothing (beauty, books); then colour is left out too. */
  materials: string[]
  /** Attributes beyond brand, colour and material. */
  extra: (f: Faker) => Record<string, string>
  blurbs: string[]
  /** A name of its own instead of brand + adjective + noun (books have titles). */
  title?: (f: Faker) => string
}

const pick = <T>(f: Faker, items: readonly T[]) => f.helpers.arrayElement(items)
const level = (f: Faker) => ({ level: pick(f, ['Beginner', 'Intermediate', 'Pro']) })

// biome-ignore format: a word list
export const BRANDS = [
  'Aster', 'Birchwood', 'Corvid', 'Dalmore', 'Elkin', 'Fjell', 'Granite & Co', 'Halden', 'Ivo',
  'Juniper', 'Kestrel', 'Lumen', 'Marlow', 'Norrland', 'Orla', 'Pike', 'Quill', 'Rowan', 'Selva',
  'Tovi',
]

// biome-ignore format: a word list
export const ADJECTIVES = [
  'Classic', 'Everyday', 'Lightweight', 'Premium', 'Compact', 'Vintage', 'Modern', 'Essential',
  'Urban', 'Heritage', 'Nordic', 'Soft', 'Rugged', 'Slim', 'Deluxe', 'Travel', 'Studio',
  'Signature',
]

// biome-ignore format: a word list
const TITLE_WORDS = {
  adjectives: ['Silent', 'Last', 'Hidden', 'Distant', 'Burning', 'Golden', 'Forgotten', 'Winter',
    'Quiet', 'Paper', 'Glass', 'Midnight', 'Salt', 'Wild', 'Northern', 'Borrowed'],
  nouns: ['Harbour', 'Garden', 'Letters', 'Orchard', 'River', 'Archive', 'Lighthouse',
    'Cartographer', 'Season', 'Kingdom', 'Atlas', 'Tide', 'Station', 'Library', 'Daughters', 'Map'],
}

// biome-ignore format: one category per block reads better than Biome's one item per line
export const DEMO_CATEGORIES: DemoCategory[] = [
  {
    id: 'shoes', name: 'Shoes', hue: 20, priceEuros: [35, 220],
    description: 'Sneakers, boots and everything in between, for every day and every weather.',
    nouns: ['Sneakers', 'Running Shoes', 'Chelsea Boots', 'Loafers', 'Sandals', 'Trail Shoes',
      'Slippers', 'Derby Shoes', 'High-Tops', 'Espadrilles'],
    materials: ['Leather', 'Suede', 'Canvas', 'Mesh', 'Nubuck', 'Recycled Knit'],
    extra: (f) => ({
      size: `EU ${f.number.int({ min: 36, max: 46 })}`,
      width: pick(f, ['Regular', 'Wide']),
    }),
    blurbs: ['Cushioned insoles keep you comfortable from morning to night.',
      'A grippy rubber outsole handles wet pavements.',
      'Breaks in quickly and keeps its shape for years.',
      'Resoleable, because good shoes deserve a second life.'],
  },
  {
    id: 'bags', name: 'Bags', hue: 35, priceEuros: [25, 260],
    description: 'Backpacks, totes and travel bags that carry what matters.',
    nouns: ['Tote Bag', 'Backpack', 'Messenger Bag', 'Weekender', 'Crossbody Bag', 'Laptop Sleeve',
      'Duffel Bag', 'Belt Bag', 'Rolltop Backpack'],
    materials: ['Leather', 'Waxed Canvas', 'Nylon', 'Recycled Polyester', 'Cork', 'Cotton Twill'],
    extra: (f) => ({
      capacity: `${f.number.int({ min: 5, max: 45 })} L`,
      closure: pick(f, ['Zip', 'Magnetic snap', 'Buckle', 'Drawstring']),
    }),
    blurbs: ['A padded sleeve fits a 15-inch laptop.', 'Water-resistant, so a shower is no drama.',
      'Pockets inside and out keep small things findable.',
      'Comfortable straps, even fully packed.'],
  },
  {
    id: 'clothing', name: 'Clothing', hue: 330, priceEuros: [15, 180],
    description: 'Wardrobe staples in honest materials.',
    nouns: ['T-Shirt', 'Hoodie', 'Chinos', 'Denim Jacket', 'Rain Jacket', 'Sweater', 'Oxford Shirt',
      'Joggers', 'Cardigan', 'Polo Shirt'],
    materials: ['Organic Cotton', 'Merino Wool', 'Linen', 'Denim', 'Fleece', 'Cashmere Blend'],
    extra: (f) => ({
      size: pick(f, ['XS', 'S', 'M', 'L', 'XL', 'XXL']),
      fit: pick(f, ['Slim', 'Regular', 'Relaxed']),
    }),
    blurbs: ['Pre-washed, so it keeps its size.', 'Made to be worn often and washed cold.',
      'A cut that layers well.', 'Sewn in a fair-wage workshop.'],
  },
  {
    id: 'electronics', name: 'Electronics', hue: 210, priceEuros: [19, 900],
    description: 'Headphones, speakers and gadgets that make the day easier.',
    nouns: ['Wireless Earbuds', 'Bluetooth Speaker', 'Smartwatch', 'Power Bank',
      'Noise-Cancelling Headphones', 'E-Reader', 'Webcam', 'Mechanical Keyboard', 'Wireless Mouse',
      'Action Camera'],
    materials: ['Aluminium', 'Matte Plastic', 'Glass', 'Recycled Plastic'],
    extra: (f) => ({
      warranty: pick(f, ['1 year', '2 years', '3 years']),
      connectivity: pick(f, ['Bluetooth 5.3', 'USB-C', 'Wi-Fi', 'Bluetooth and USB-C']),
    }),
    blurbs: ['Charges over USB-C in under two hours.', 'Firmware updates keep it current.',
      'Pairs with phones and laptops alike.', 'Comes with a two-year repair promise.'],
  },
  {
    id: 'books', name: 'Books', hue: 45, priceEuros: [8, 45],
    description: 'Novels, essays and stories to get lost in.',
    nouns: [], materials: [],
    title: (f) => `The ${pick(f, TITLE_WORDS.adjectives)} ${pick(f, TITLE_WORDS.nouns)}`,
    extra: (f) => ({
      author: f.person.fullName(),
      genre: f.book.genre(),
      format: pick(f, ['Hardcover', 'Paperback', 'Ebook', 'Audiobook']),
      pages: String(f.number.int({ min: 120, max: 720 })),
    }),
    blurbs: ['A book club favourite.', 'Hard to put down once it gets going.',
      'Beautifully translated.', 'The kind of ending you talk about for weeks.'],
  },
  {
    id: 'kitchen', name: 'Kitchen', hue: 10, priceEuros: [8, 320],
    description: 'Tools and cookware for people who like to cook.',
    nouns: ["Chef's Knife", 'Cast Iron Skillet', 'French Press', 'Cutting Board', 'Dutch Oven',
      'Salad Bowl', 'Espresso Cup Set', 'Stand Mixer', 'Kettle', 'Spice Rack'],
    materials: ['Stainless Steel', 'Cast Iron', 'Oak', 'Ceramic', 'Borosilicate Glass',
      'Enamelled Steel'],
    extra: (f) => ({ dishwasherSafe: pick(f, ['yes', 'no']) }),
    blurbs: ['Heats evenly and cleans up fast.', 'Balanced in the hand.',
      'Built to be handed down.', 'Works on gas, electric and induction.'],
  },
  {
    id: 'home', name: 'Home', hue: 280, priceEuros: [12, 400],
    description: 'Lamps, textiles and small things that make a room yours.',
    nouns: ['Throw Blanket', 'Table Lamp', 'Cushion Cover', 'Wall Clock', 'Vase', 'Floor Rug',
      'Scented Candle', 'Picture Frame', 'Bookshelf', 'Duvet Cover'],
    materials: ['Wool', 'Linen', 'Rattan', 'Walnut', 'Stoneware', 'Brass'],
    extra: (f) => {
      const cm = () => f.number.int({ min: 10, max: 200 })
      return { dimensions: `${cm()} × ${cm()} cm` }
    },
    blurbs: ['Calm colours that go with anything.', 'Made in small batches.',
      'Looks even better after a few years.', 'Easy to care for.'],
  },
  {
    id: 'garden', name: 'Garden', hue: 110, priceEuros: [6, 350],
    description: 'For balconies, backyards and allotments.',
    nouns: ['Watering Can', 'Pruning Shears', 'Raised Bed', 'Garden Hose', 'Bird Feeder',
      'Plant Pot',      'Compost Bin', 'Hammock', 'Trowel Set', 'Solar Lantern'],
    materials: ['Galvanised Steel', 'Terracotta', 'Cedar', 'Recycled Plastic', 'Bamboo',
      'Powder-Coated Steel'],
    extra: (f) => ({ weatherproof: pick(f, ['yes', 'no']) }),
    blurbs: ['Stays outside all year.', 'Rust-proof and frost-proof.',
      'Light enough to move around.', 'Gardeners tested it for a full season.'],
  },
  {
    id: 'toys', name: 'Toys', hue: 50, priceEuros: [8, 120],
    description: 'Toys and games for curious minds of every age.',
    nouns: ['Building Blocks', 'Puzzle', 'Plush Bear', 'Wooden Train Set', 'Board Game', 'Kite',
      'Marble Run', 'Doll House', 'Science Kit', 'Stacking Rings'],
    materials: ['Beech Wood', 'Organic Cotton', 'Recycled Cardboard', 'BPA-Free Plastic'],
    extra: (f) => ({
      age: `${pick(f, [1, 3, 6, 8, 12])}+`,
      pieces: String(f.number.int({ min: 1, max: 1000 })),
    }),
    blurbs: ['Safety-tested to EN 71.', 'Hours of play without a screen.',
      'Sturdy enough for enthusiastic hands.', 'Great as a gift.'],
  },
  {
    id: 'sports', name: 'Sports', hue: 0, priceEuros: [10, 500],
    description: 'Gear for training, playing and recovering.',
    nouns: ['Yoga Mat', 'Dumbbell Set', 'Football', 'Tennis Racket', 'Cycling Helmet', 'Jump Rope',
      'Resistance Bands', 'Water Bottle', 'Running Vest', 'Foam Roller'],
    materials: ['Natural Rubber', 'Carbon Fibre', 'Neoprene', 'TPE', 'Stainless Steel'],
    extra: level,
    blurbs: ['Used by club coaches.', 'Grips when you sweat.',
      'Packs small for the gym bag.', 'Built for daily training.'],
  },
  {
    id: 'beauty', name: 'Beauty', hue: 320, priceEuros: [5, 90],
    description: 'Skin, hair and body care with short ingredient lists.',
    nouns: ['Face Serum', 'Hand Cream', 'Lip Balm', 'Shampoo Bar', 'Body Lotion', 'Eau de Parfum',
      'Clay Mask', 'Hair Oil', 'Sunscreen SPF 50', 'Bath Salts'],
    materials: [],
    extra: (f) => ({
      volume: `${pick(f, [15, 30, 50, 100, 200])} ml`,
      skinType: pick(f, ['All', 'Dry', 'Oily', 'Sensitive']),
      scent: pick(f, ['Unscented', 'Lavender', 'Citrus', 'Sandalwood', 'Rose', 'Green Tea']),
    }),
    blurbs: ['Dermatologically tested.', 'Vegan and cruelty-free.',
      'A little goes a long way.', 'In a refillable glass bottle.'],
  },
  {
    id: 'music', name: 'Music', hue: 260, priceEuros: [9, 1200],
    description: 'Instruments and studio gear, for first chords and late sessions.',
    nouns: ['Acoustic Guitar', 'Ukulele', 'Digital Piano', 'Studio Headphones', 'Microphone',
      'Cajón',      'Guitar Strings', 'Audio Interface', 'Metronome', 'Harmonica'],
    materials: ['Spruce', 'Mahogany', 'Maple', 'Aluminium', 'Rosewood'],
    extra: level,
    blurbs: ['Set up by hand before it ships.', 'Stays in tune.',
      'A warm, balanced sound.', 'Loved by teachers and students.'],
  },
  {
    id: 'outdoor', name: 'Outdoor', hue: 140, priceEuros: [10, 600],
    description: 'Camping and hiking gear for nights under the sky.',
    nouns: ['Tent', 'Sleeping Bag', 'Headlamp', 'Hiking Poles', 'Camping Stove', 'Rain Poncho',
      'Trail Backpack', 'Insulated Bottle', 'Camp Chair', 'Compass'],
    materials: ['Ripstop Nylon', 'Titanium', 'Aluminium', 'Down', 'Recycled Polyester', 'Gore-Tex'],
    extra: (f) => ({
      weight: `${f.number.int({ min: 80, max: 4000 })} g`,
      season: pick(f, ['3-season', '4-season', 'Summer']),
    }),
    blurbs: ['Tested in the Scottish Highlands.', 'Packs down to almost nothing.',
      'Repairable in the field.', 'Keeps going when the weather turns.'],
  },
  {
    id: 'office', name: 'Office', hue: 190, priceEuros: [4, 700],
    description: 'Desks, lamps and paper for focused work.',
    nouns: ['Notebook', 'Fountain Pen', 'Desk Lamp', 'Desk Organiser', 'Monitor Stand',
      'Office Chair',      'Planner', 'Pencil Set', 'Standing Desk', 'Document Tray'],
    materials: ['Recycled Paper', 'Bamboo', 'Aluminium', 'Walnut', 'Felt', 'Steel'],
    extra: () => ({}),
    blurbs: ['Designed with an ergonomist.', 'Tidy desk, tidy mind.',
      'Fountain-pen friendly paper.', 'Assembles in ten minutes.'],
  },
]
