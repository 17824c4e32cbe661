/**
 * Methods seen in deployed Synjones integrations but not documented in v2.41 (docs/protocol.md).
 * Field names follow the deployed code. Requests are exact; replies keep what a deployment adds under `extra`.
 */
import { z } from 'zod';
import { bytes, optFen, optString, replyObject, replyString, requiredBytes } from '../core/schema.js';

const account = requiredBytes(10);

// query.accinfo.total 电子账户汇总 (totals of one e-account type)
export const QueryAccInfoTotalRequest = z.strictObject({ /** 电子账户类型 */ acctype: requiredBytes(3) });
export type QueryAccInfoTotalRequest = z.input<typeof QueryAccInfoTotalRequest>;
export const QueryAccInfoTotalResponse = replyObject({
  /** 电子账户类型 E-account type; must equal the request's. */
  acctype: optString,
  /** 账户数 Number of accounts. */
  total_count: optString,
  /** 总金额 Total balance in fen. */
  total_amt: optFen,
});
export type QueryAccInfoTotalReply = z.output<typeof QueryAccInfoTotalResponse>;

// query.snoname.frombarcode 通过二维码查询学工号和姓名
export const QuerySnoNameFromBarcodeRequest = z.strictObject({
  barcode: z.string().regex(/^\d{1,22}$/, { message: 'must be the scanned code: 1 to 22 digits' }),
});
export type QuerySnoNameFromBarcodeRequest = z.input<typeof QuerySnoNameFromBarcodeRequest>;
export const QuerySnoNameFromBarcodeResponse = replyObject({
  /** 学工号 Student/staff number. */
  sno: optString,
  /** 姓名 Name. */
  name: optString,
  /** 支付方式 Payment type of the code. */
  paytype: optString,
  /** 支付账号 Paying account of the code (`###` = card account). */
  payacc: optString,
  /** 支付账户名 Name of the paying e-account. */
  accname: optString,
});
export type QuerySnoNameFromBarcodeReply = z.output<typeof QuerySnoNameFromBarcodeResponse>;

// modify.pwd 修改查询密码
export const ModifyPasswordRequest = z.strictObject({
  account,
  /** 新查询密码 New query password (never logged). */
  newpwd: requiredBytes(32),
});
export type ModifyPasswordRequest = z.input<typeof ModifyPasswordRequest>;

// lost.card 挂失 / unlost.card 解挂 / frozen.card 冻结 / unfrozen.card 解冻
export const CardStateRequest = z.strictObject({ /** 一卡通账号 */ account });
export type CardStateRequest = z.input<typeof CardStateRequest>;

/** A reply with no documented fields beyond retcode/errmsg. */
export const AckResponse = replyObject({
  /** 一卡通账号 Card account, when the deployment echoes it. */
  account: optString,
});
export type AckReply = z.output<typeof AckResponse>;

const personFields = {
  /** 学工号 */
  sno: requiredBytes(20),
  /** 姓名 */
  name: requiredBytes(30),
  /** 性别 1 男 / 2 女 */
  sex: z.enum(['1', '2']).optional(),
  /** 身份证号 */
  idno: bytes(20).optional(),
  phone: bytes(20).optional(),
  email: bytes(64).optional(),
  /** 校区代码 Campus code. */
  schoolcode: bytes(20).optional(),
  /** 部门代码 Department code — `depcode`, not deptcode. */
  depcode: bytes(20).optional(),
  /** 卡类型 e.g. 800 正式卡 / 801 临时卡. */
  cardtype: bytes(3).optional(),
  /** 出生日期 yyyyMMdd. */
  born: z
    .string()
    .regex(/^\d{8}$/, { message: 'must be yyyyMMdd' })
    .optional(),
  /** 身份代码 Identity category code. */
  pidcode: bytes(10).optional(),
  /** 入校日期 / 失效日期 yyyyMMdd. */
  indate: z
    .string()
    .regex(/^\d{8}$/, { message: 'must be yyyyMMdd' })
    .optional(),
  expdate: z
    .string()
    .regex(/^\d{8}$/, { message: 'must be yyyyMMdd' })
    .optional(),
  /** 照片 base64 Photo, base64. */
  photo_image: z.string().optional(),
};

// open.acc 开户 (virtual card account)
export const OpenAccountRequest = z.strictObject(personFields);
export type OpenAccountRequest = z.input<typeof OpenAccountRequest>;
export const OpenAccountResponse = replyObject({
  /** 新开的一卡通账号 The new card account. */
  account: replyString,
  /** 学工号 Student/staff number, echoed by deployments beside account. */
  sno: optString,
});
export type OpenAccountReply = z.output<typeof OpenAccountResponse>;

// modify.acc 修改账户信息: the account plus the fields to change (open.acc's names).
export const ModifyAccountRequest = z.strictObject({ account, ...z.object(personFields).partial().shape });
export type ModifyAccountRequest = z.input<typeof ModifyAccountRequest>;

/** @deprecated since 0.2.0: named replies are `XxxReply`. */
export type QueryAccInfoTotalResponse = QueryAccInfoTotalReply;
/** @deprecated since 0.2.0 */
export type QuerySnoNameFromBarcodeResponse = QuerySnoNameFromBarcodeReply;
/** @deprecated since 0.2.0 */
export type AckResponse = AckReply;
/** @deprecated since 0.2.0 */
export type OpenAccountResponse = OpenAccountReply;
