/**
 * The math functions of WGSL kernels. WGSL's built-in exp and log may be as loose as 3 + 2·|x| ulp
 * (a GPU computes exp as 2^(x·log₂e) in hardware), and its max, min, sqrt and pow leave NaN,
 * negative and infinite operands to the driver. drift's kernels call these functions instead:
 * exp, log and tanh are the Cephes single-precision reductions and polynomials of the wasm backend
 * (within a few ulp of the correctly rounded result over the normal range), sin, cos and atan are
 * Cephes's too (sin and cos reduce by π/4 in three parts, accurate for |x| < 8192·π), and the
 * other functions are built from them without cancellation. Every function propagates NaN and
 * gives JavaScript's Math values at 0, ±∞ and negative operands.
 * Non-finite constants come from the kernel's uniform block (a WGSL constant may not be ∞ or NaN),
 * and NaN and ∞ are recognized by their bits: a driver may assume floats are finite and fold
 * x ≠ x to false (Mesa's lavapipe does).
 */

/** WGSL expressions of +∞, −∞ and NaN: runtime values from the uniform block (emit.ts fills it). */
export const INF = 'P.v[0].x'
export const NEG_INF = 'P.v[0].y'
export const NAN = 'P.v[0].z'

const EXP = `fn d_exp(x: f32) -> f32 {
  let c = clamp(x, -87.33654, 88.72283);
  let n = round(c * 1.442695);
  let r = (c - n * 0.693359375) - n * -2.1219444e-4;
  let r2 = r * r;
  let p = ((((1.98756915e-4 * r + 1.3981999507e-3) * r + 8.3334519073e-3) * r + 4.1665795894e-2) * r
    + 1.6666665459e-1) * r + 5.0000001201e-1;
  let y = (p * r2 + r + 1.0) * bitcast<f32>(u32(i32(n) + 127) << 23u);
  return select(select(y, 0.0, x < -87.33654), x, d_isnan(x));
}`

const LOG = `fn d_log(x: f32) -> f32 {
  let bits = bitcast<u32>(x);
  var e = i32(bits >> 23u) - 126;
  var m = bitcast<f32>((bits & 0x807fffffu) | 0x3f000000u);
  if (m < 0.70710677) { e = e - 1; m = m + m - 1.0; } else { m = m - 1.0; }
  let z = m * m;
  let fe = f32(e);
  var y = ((((((((7.0376836292e-2 * m - 1.151461031e-1) * m + 1.167699874e-1) * m - 1.2420140846e-1) * m
    + 1.4249322787e-1) * m - 1.6668057665e-1) * m + 2.0000714765e-1) * m - 2.4999993993e-1) * m
    + 3.3333331174e-1) * m * z;
  y = y + fe * -2.1219444e-4 - 0.5 * z;
  let r = m + y + fe * 0.693359375;
  let special = select(select(r, x, d_isinf(x)), ${NAN}, x < 0.0 || d_isnan(x));
  return select(special, ${NEG_INF}, x == 0.0);
}`

const TANH = `fn d_tanh(x: f32) -> f32 {
  let z = x * x;
  let small = (((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z
    - 3.33332819422e-1) * z) * x + x;
  let big = 1.0 - 2.0 / (d_exp(2.0 * abs(x)) + 1.0);
  return select(select(-big, big, x > 0.0), small, abs(x) < 0.625);
}`

const SINCOS = `fn d_sincos(x: f32) -> vec2<f32> {
  let a = abs(x);
  let j = (u32(a * 1.2732395) + 1u) & 0xfffffffeu;
  let y = f32(j);
  let r = ((a - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  let q = (j >> 1u) & 3u;
  var sc = vec2<f32>(s, c);
  if (q == 1u) { sc = vec2<f32>(c, -s); } else if (q == 2u) { sc = vec2<f32>(-s, -c); } else if (q == 3u) { sc = vec2<f32>(-c, s); }
  if (x < 0.0) { sc.x = -sc.x; }
  if (d_isnan(x) || d_isinf(x)) { return vec2<f32>(${NAN}, ${NAN}); }
  return sc;
}`

const ATAN = `fn d_atan(x: f32) -> f32 {
  let a = abs(x);
  var base = 0.0;
  var t = a;
  if (a > 2.414213562373095) { base = 1.5707963267948966; t = -1.0 / a; }
  else if (a > 0.4142135623730950) { base = 0.7853981633974483; t = (a - 1.0) / (a + 1.0); }
  let z = t * t;
  let r = base + ((((8.05374449538e-2 * z - 1.38776856032e-1) * z + 1.99777106478e-1) * z - 3.33329491539e-1) * z * t + t);
  return select(select(r, -r, x < 0.0), x, d_isnan(x));
}`

/** Math.atan2(y, x), signed zeros and infinities included. */
const ATAN2 = `fn d_atan2(y: f32, x: f32) -> f32 {
  let pi = 3.1415927;
  let ys = select(1.0, -1.0, (bitcast<u32>(y) >> 31u) == 1u);
  let xneg = (bitcast<u32>(x) >> 31u) == 1u;
  if (d_isnan(x) || d_isnan(y)) { return ${NAN}; }
  if (y == 0.0) { return select(y, ys * pi, xneg); }
  if (x == 0.0) { return ys * 1.5707964; }
  if (d_isinf(x)) {
    if (d_isinf(y)) { return ys * select(0.7853982, 2.3561945, xneg); }
    return select(ys * 0.0, ys * pi, xneg);
  }
  if (d_isinf(y)) { return ys * 1.5707964; }
  let t = d_atan(y / x);
  return select(t, t + ys * pi, xneg);
}`

/** WGSL functions by name, each with the functions it calls. */
const FUNCTIONS: Record<string, { code: string; uses?: string[] }> = {
  d_sincos: { code: SINCOS, uses: ['d_isnan', 'd_isinf'] },
  d_atan: { code: ATAN, uses: ['d_isnan'] },
  d_atan2: { code: ATAN2, uses: ['d_atan', 'd_isnan', 'd_isinf'] },
  // asin and acos through atan2, 1 − x² as (1 − x)(1 + x)
  d_asin: {
    code: `fn d_asin(x: f32) -> f32 { return d_atan2(x, d_sqrt((1.0 - x) * (1.0 + x))); }`,
    uses: ['d_atan2', 'd_sqrt'],
  },
  d_acos: {
    code: `fn d_acos(x: f32) -> f32 { return d_atan2(d_sqrt((1.0 - x) * (1.0 + x)), x); }`,
    uses: ['d_atan2', 'd_sqrt'],
  },
  // sinh and cosh: through expm1 near 0, as ½·e^(|x|/2)·e^(|x|/2) from |x| = 10 on (finite up to 89.4)
  d_sinh: {
    code: `fn d_sinh(x: f32) -> f32 {
  let a = abs(x);
  let e = d_expm1(a);
  let h = d_exp(0.5 * a);
  let r = select(0.5 * (e + e / (e + 1.0)), (0.5 * h) * h, a >= 10.0);
  return select(select(r, -r, x < 0.0), x, d_isnan(x));
}`,
    uses: ['d_expm1', 'd_exp', 'd_isnan'],
  },
  d_cosh: {
    code: `fn d_cosh(x: f32) -> f32 {
  let a = abs(x);
  let e = d_exp(a);
  let h = d_exp(0.5 * a);
  return select(0.5 * (e + 1.0 / e), (0.5 * h) * h, a >= 10.0);
}`,
    uses: ['d_exp'],
  },
  d_asinh: {
    code: `fn d_asinh(x: f32) -> f32 {
  let a = abs(x);
  let r = select(d_log1p(a + a * a / (1.0 + d_sqrt(1.0 + a * a))), d_log(a) + 0.6931472, a > 1e10);
  return select(select(r, -r, x < 0.0), x, d_isnan(x));
}`,
    uses: ['d_log1p', 'd_log', 'd_sqrt', 'd_isnan'],
  },
  d_acosh: {
    code: `fn d_acosh(x: f32) -> f32 {
  return select(d_log1p((x - 1.0) + d_sqrt((x - 1.0) * (x + 1.0))), d_log(x) + 0.6931472, x > 1e10);
}`,
    uses: ['d_log1p', 'd_log', 'd_sqrt'],
  },
  d_atanh: {
    code: `fn d_atanh(x: f32) -> f32 { return 0.5 * d_log1p(2.0 * x / (1.0 - x)); }`,
    uses: ['d_log1p'],
  },
  d_tan: {
    code: `fn d_tan(x: f32) -> f32 { let sc = d_sincos(x); return sc.x / sc.y; }`,
    uses: ['d_sincos'],
  },
  d_isnan: { code: `fn d_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }` },
  d_isinf: { code: `fn d_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }` },
  d_exp: { code: EXP, uses: ['d_isnan'] },
  d_log: { code: LOG, uses: ['d_isnan', 'd_isinf'] },
  d_tanh: { code: TANH, uses: ['d_exp'] },
  d_max: {
    code: `fn d_max(a: f32, b: f32) -> f32 { return select(max(a, b), a + b, d_isnan(a) || d_isnan(b)); }`,
    uses: ['d_isnan'],
  },
  d_min: {
    code: `fn d_min(a: f32, b: f32) -> f32 { return select(min(a, b), a + b, d_isnan(a) || d_isnan(b)); }`,
    uses: ['d_isnan'],
  },
  d_sqrt: {
    code: `fn d_sqrt(x: f32) -> f32 { return select(sqrt(x), ${NAN}, x < 0.0 || d_isnan(x)); }`,
    uses: ['d_isnan'],
  },
  d_sign: {
    code: `fn d_sign(x: f32) -> f32 { return select(sign(x), x, d_isnan(x) || x == 0.0); }`,
    uses: ['d_isnan'],
  },
  // JavaScript's Math.round: halves go up
  d_round: {
    code: `fn d_round(x: f32) -> f32 { let f = floor(x); return select(select(f, f + 1.0, x - f >= 0.5), x, d_isnan(x) || d_isinf(x)); }`,
    uses: ['d_isnan', 'd_isinf'],
  },
  // eˣ − 1 and log(1 + x) below |x| = ½ as series (no cancellation, nothing a compiler may reassociate away):
  // x·(1 + x/2·(1 + x/3·(…))) to x¹⁰/10!, and 2·atanh(s) = 2s(1 + s²/3 + s⁴/5 + …) to s¹⁵ with s = x/(2 + x)
  d_expm1: {
    code: `fn d_expm1(x: f32) -> f32 {
  var p = 1.0 + x / 10.0;
  for (var k = 9; k >= 2; k--) { p = 1.0 + x / f32(k) * p; }
  return select(d_exp(x) - 1.0, x * p, abs(x) < 0.5);
}`,
    uses: ['d_exp'],
  },
  d_log1p: {
    code: `fn d_log1p(x: f32) -> f32 {
  let s = x / (2.0 + x);
  let z = s * s;
  var p = 1.0 / 15.0;
  for (var k = 13; k >= 1; k = k - 2) { p = 1.0 / f32(k) + z * p; }
  return select(d_log(1.0 + x), 2.0 * s * p, abs(x) < 0.5);
}`,
    uses: ['d_log'],
  },
  // JavaScript's Math.pow: a negative base (−0 and −∞ included) takes an odd integer exponent's sign,
  // a finite negative base and a non-integer exponent give NaN, x^0 = 1, NaN otherwise propagates
  d_pow: {
    code: `fn d_pow(x: f32, y: f32) -> f32 {
  let m = d_exp(y * d_log(abs(x)));
  let odd = abs(y % 2.0) == 1.0;
  let negative = (bitcast<u32>(x) >> 31u) == 1u;
  let r = select(m, select(m, -m, odd), negative);
  let undefined = x < 0.0 && !d_isinf(x) && floor(y) != y;
  return select(select(r, ${NAN}, undefined || d_isnan(x) || d_isnan(y)), 1.0, y == 0.0);
}`,
    uses: ['d_exp', 'd_log', 'd_isnan', 'd_isinf'],
  },
  // JavaScript's %: x − y·trunc(x / y), the sign of the dividend, x % ±∞ = x, NaN for x = ±∞ or y = 0
  d_mod: {
    code: `fn d_mod(a: f32, b: f32) -> f32 {
  let r = a - b * trunc(a / b);
  return select(select(r, a, d_isinf(b)), ${NAN}, d_isnan(a) || d_isnan(b) || d_isinf(a) || b == 0.0);
}`,
    uses: ['d_isnan', 'd_isinf'],
  },
  d_cbrt: {
    code: `fn d_cbrt(x: f32) -> f32 {
  let a = abs(x);
  let m0 = d_exp(d_log(a) / 3.0);
  // one Newton step on m³ = a takes the exp–log estimate to an ulp or two
  let m = m0 - (m0 * m0 * m0 - a) / (3.0 * m0 * m0);
  return select(select(m, -m, x < 0.0), x, x == 0.0 || d_isinf(x) || d_isnan(x));
}`,
    uses: ['d_exp', 'd_log', 'd_isinf', 'd_isnan'],
  },
}

/** Unary operations as WGSL: the function applied to a WGSL operand. */
export const UNARY: Record<string, (a: string) => string> = {
  neg: (a) => `(-${a})`,
  abs: (a) => `abs(${a})`,
  floor: (a) => `floor(${a})`,
  ceil: (a) => `ceil(${a})`,
  trunc: (a) => `trunc(${a})`,
  round: (a) => `d_round(${a})`,
  sign: (a) => `d_sign(${a})`,
  sqrt: (a) => `d_sqrt(${a})`,
  exp: (a) => `d_exp(${a})`,
  expm1: (a) => `d_expm1(${a})`,
  exp2: (a) => `d_pow(2.0, ${a})`,
  log: (a) => `d_log(${a})`,
  log1p: (a) => `d_log1p(${a})`,
  log2: (a) => `(d_log(${a}) * 1.442695041)`,
  log10: (a) => `(d_log(${a}) * 0.4342944819)`,
  cbrt: (a) => `d_cbrt(${a})`,
  tanh: (a) => `d_tanh(${a})`,
  sin: (a) => `d_sincos(${a}).x`,
  cos: (a) => `d_sincos(${a}).y`,
  tan: (a) => `d_tan(${a})`,
  asin: (a) => `d_asin(${a})`,
  acos: (a) => `d_acos(${a})`,
  atan: (a) => `d_atan(${a})`,
  sinh: (a) => `d_sinh(${a})`,
  cosh: (a) => `d_cosh(${a})`,
  asinh: (a) => `d_asinh(${a})`,
  acosh: (a) => `d_acosh(${a})`,
  atanh: (a) => `d_atanh(${a})`,
}

/** Arithmetic binary operations as WGSL (comparisons and logic are emitted as conditions). */
export const BINARY: Record<string, (a: string, b: string) => string> = {
  add: (a, b) => `(${a} + ${b})`,
  sub: (a, b) => `(${a} - ${b})`,
  mul: (a, b) => `(${a} * ${b})`,
  div: (a, b) => `(${a} / ${b})`,
  mod: (a, b) => `d_mod(${a}, ${b})`,
  pow: (a, b) => `d_pow(${a}, ${b})`,
  max: (a, b) => `d_max(${a}, ${b})`,
  min: (a, b) => `d_min(${a}, ${b})`,
  atan2: (a, b) => `d_atan2(${a}, ${b})`,
}

/** The WGSL source of the functions a kernel's code calls (found by name in it), with their dependencies. */
export function mathPrelude(code: string): string {
  const need = new Set<string>()
  const add = (name: string) => {
    if (need.has(name)) return
    for (const u of FUNCTIONS[name].uses ?? []) add(u)
    need.add(name)
  }
  for (const name of Object.keys(FUNCTIONS)) if (code.includes(`${name}(`)) add(name)
  return [...need].map((n) => FUNCTIONS[n].code).join('\n')
}
