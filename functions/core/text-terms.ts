/**
 * Term counts of free-text survey comments: which words detractors and promoters use most.
 *
 * Pure functions. Comments are in any language; the stop words of English, Indonesian and
 * Polish (the languages of the product's customers) are removed. Tokenisation is Unicode-aware:
 * a term is a run of letters (any script, with combining marks), so "zażółć", "pelayanan" and
 * "onboarding" are terms, while digits, punctuation and emoji separate terms.
 */
import type { TermCount } from './snapshot.js';

/** Terms shorter than this (in characters) are dropped: mostly particles and abbreviations. */
export const MIN_TERM_LENGTH = 3;

/** How many terms a list keeps by default. */
export const TOP_TERMS = 10;

// Function words only: words that carry sentiment ("like", "baik", "salah", "dobrze") are kept
// on purpose, since they are what a detractor or promoter list should show.
const ENGLISH = `
a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each even ever every few for from further get gets got had hadn't has hasn't
have haven't having he he'd he'll he's her here here's hers herself him himself his how how's
however i i'd i'll i'm i've if in into is isn't it it's its itself just let's lot lots may me
might more most much must mustn't my myself no nor not now of off often on once one only or other
ought our ours ourselves out over own quite rather really same shan't she she'd she'll she's should
shouldn't since so some still such than that that's the their theirs them themselves then there
there's these they they'd they'll they're they've this those though through thus to too under
until up upon us very via was wasn't we we'd we'll we're we've were weren't what what's when
when's where where's whether which while who who's whom whose why why's will with within without
won't would wouldn't yes yet you you'd you'll you're you've your yours yourself yourselves
also always never something anything everything nothing thing things would've could've should've
`;

const INDONESIAN = `
ada adalah agak agar akan aku amat anda antara apa apabila apakah atas atau bagaimana bagi bahkan
bahwa banyak baru begitu belum benar berapa beberapa bila bisa boleh bukan cukup dalam dan dapat
dari daripada dengan di dia diri dulu entah guna hal hampir hanya harus hingga ia ialah ini itu
jadi jika juga kalau kami kamu kan karena kata ke kecuali kemudian kenapa kepada ketika kini kita
lagi lah lain lalu lebih maka mana masih mau melainkan memang mereka meski mungkin namun nanti
nya oleh pada padahal para pernah pula pun saat saja sama sambil sampai sangat saya se
sebab sebagai sebelum sebuah sedang sedangkan sehingga sejak sekali sekarang selalu selama semua
sendiri seperti serta sesuatu setelah setiap sini situ suatu sudah supaya tadi tapi telah tentang
tentu tersebut tetapi tidak toh untuk walau walaupun yaitu yakni yang belum banget deh dong gak
nggak ga kok sih aja udah yg dgn utk tdk jg sy kalo gimana kayak
`;

// Polish stop words, with the diacritic-free spellings people often type ("sie", "juz", "ze").
const POLISH = `
a aby ach acz aczkolwiek aj albo ale ależ ani aż bardziej bardzo bez bo bowiem by byli bym być był
była było były będzie będą cali cała cały chce ci cię ciebie co cokolwiek coś czasami czasem czemu
czy czyli daleko dla dlaczego dlatego do dokąd dość dużo dwa dwaj dwie dwoje dziś dzisiaj
gdy gdyby gdyż gdzie gdziekolwiek gdzieś go i ich ile im inna inne inny innych iż ja ją jak jaka
jakaś jakby jaki jakichś jakie jakiś jakiż jakkolwiek jako jakoś je jeden jedna jedno jednak
jednakże jego jej jemu jest jestem jeszcze jeśli jeżeli już ją każdy kiedy kilka kimś kto
ktokolwiek ktoś która które którego której który których którym którzy ku lat lecz lub ma mają
mam mi między mimo mnie mną mogą moi moim moja moje może możliwe można mój mu musi my na nad nam
nami nas nasi nasz nasza nasze naszego naszych natomiast natychmiast nawet nic nich nie niech
niego niej niemu nigdy nim nimi niż no o obok od około on ona one oni ono oraz oto owszem pan pana
pani po pod podczas pomimo ponad ponieważ powinien powinna powinni powinno poza prawie przecież
przed przede przedtem przez przy roku również sam sama są się skąd sobie sobą sposób swoje ta
tak taka taki takie także tam te tego tej temu ten teraz też to tobą tobie toteż trzeba tu tutaj
twoi twoim twoja twoje twym twój ty tych tylko tym u w wam wami was wasz wasza wasze we według
wiele wielu więc więcej wszyscy wszystkich wszystkie wszystkim wszystko wtedy wy właśnie z za
zapewne zawsze ze zł znowu znów został żaden żadna żadne żadnych że żeby
sie juz ze ktory ktora ktore jesli jezeli moze mozna takze tez wiec wlasnie zeby byc bedzie beda
sa rowniez poniewaz przeciez
`;

function wordsOf(list: string): string[] {
  return list
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => w.normalize('NFC'));
}

/** Stop words of English, Indonesian and Polish, lower-cased, NFC. */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  ...wordsOf(ENGLISH),
  ...wordsOf(INDONESIAN),
  ...wordsOf(POLISH),
]);

// A run of letters (with combining marks), optionally joined by an apostrophe or a hyphen:
// "don't", "self-service", "kadang-kadang" are one term each.
const TERM_RE = /[\p{L}\p{M}]+(?:['\u2019\u02BC-][\p{L}\p{M}]+)*/gu;

/** The lower-cased terms of a text, in order, stop words and short terms included. */
export function tokenize(text: string): string[] {
  const normalised = text.normalize('NFC').toLowerCase();
  const out: string[] = [];
  for (const match of normalised.matchAll(TERM_RE)) {
    // One apostrophe for all ("don’t" = "don't"); a possessive "'s" belongs to its noun.
    let term = match[0].replace(/[\u2019\u02BC]/g, "'");
    if (term.endsWith("'s") && [...term].length > 2) term = term.slice(0, -2);
    out.push(term);
  }
  return out;
}

/** True when a term is worth counting: long enough and not a stop word. */
export function isContentTerm(term: string): boolean {
  return [...term].length >= MIN_TERM_LENGTH && !STOP_WORDS.has(term);
}

/**
 * The most frequent content terms of a set of comments. A term's count is the number of
 * comments that use it (a term repeated within one comment counts once), so that one long
 * comment cannot outweigh many customers. Ties are broken alphabetically (by code point) so
 * the result is deterministic.
 */
export function topTerms(comments: readonly string[], limit = TOP_TERMS): TermCount[] {
  const counts = new Map<string, number>();
  for (const comment of comments) {
    const seen = new Set(tokenize(comment).filter(isContentTerm));
    for (const term of seen) counts.set(term, (counts.get(term) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([term, count]) => ({ term, count }))
    .sort((a, b) => b.count - a.count || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0))
    .slice(0, Math.max(0, limit));
}
