"""The demo organisation's reference data in Chinese: teams, people, places, goods and stall causes.

Plain tables, no logic: the journeys and the seed draw from them with a seeded RNG, so the same seed
always yields the same organisation. Causes follow the seed documents (B特派未确认, 销户流程中断,
未交货订单) and map onto DESIGN.md's cause taxonomy through `category`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: (key, 中文名)
TEAMS: tuple[tuple[str, str], ...] = (
    ("dispatch", "调度组"),
    ("field", "外勤服务组"),
    ("service-1", "客服一组"),
    ("service-2", "客服二组"),
    ("warehouse", "仓储组"),
    ("carrier", "物流组"),
    ("finance", "财务组"),
    ("compliance", "合规组"),
)

#: (username, 姓名, global role, team key or None)
USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("admin", "系统管理员", "admin", None),
    ("auditor", "审计员", "auditor", None),
    ("zhangwei", "张伟", "supervisor", "service-1"),
    ("lina", "李娜", "agent", "service-1"),
    ("wangfang", "王芳", "agent", "service-1"),
    ("zhaolei", "赵磊", "agent", "service-1"),
    ("liuyang", "刘洋", "supervisor", "service-2"),
    ("chenjing", "陈静", "agent", "service-2"),
    ("yangxue", "杨雪", "agent", "service-2"),
    ("huangqiang", "黄强", "agent", "service-2"),
    ("zhoujie", "周杰", "supervisor", "dispatch"),
    ("wuhao", "吴昊", "agent", "dispatch"),
    ("xumin", "徐敏", "supervisor", "field"),
    ("sunpeng", "孙鹏", "agent", "field"),
    ("mayong", "马勇", "agent", "field"),
    ("zhuhong", "朱红", "supervisor", "warehouse"),
    ("hulin", "胡琳", "agent", "warehouse"),
    ("guojun", "郭军", "agent", "warehouse"),
    ("heping", "何平", "supervisor", "carrier"),
    ("gaoyan", "高燕", "agent", "carrier"),
    ("linxiao", "林晓", "supervisor", "finance"),
    ("luoqian", "罗倩", "agent", "finance"),
    ("zhengli", "郑丽", "supervisor", "compliance"),
    ("liangbin", "梁斌", "agent", "compliance"),
)

#: (姓, pinyin) — the most common surnames, roughly in order of frequency.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
)  # fmt: skip

#: (channel, weight) — how customers prefer to be told.
CHANNELS: tuple[tuple[str, int], ...] = (
    ("sms", 45),
    ("wecom", 25),
    ("email", 20),
    ("dingtalk", 5),
    ("feishu", 5),
)

#: (city, region, warehouse that serves it)
CITIES: tuple[tuple[str, str, str], ...] = (
    ("上海", "华东", "上海仓"), ("杭州", "华东", "上海仓"),
    ("南京", "华东", "上海仓"), ("苏州", "华东", "上海仓"),
    ("北京", "华北", "北京仓"), ("天津", "华北", "北京仓"), ("石家庄", "华北", "北京仓"),
    ("广州", "华南", "广州仓"), ("深圳", "华南", "广州仓"), ("东莞", "华南", "广州仓"),
    ("成都", "西南", "成都仓"), ("重庆", "西南", "成都仓"),
    ("武汉", "华中", "武汉仓"), ("长沙", "华中", "武汉仓"),
)  # fmt: skip

#: (carrier, tracking-number prefix, weight)
CARRIERS: tuple[tuple[str, str, int], ...] = (
    ("顺丰", "SF", 30), ("京东物流", "JD", 25), ("中通", "ZTO", 20), ("圆通", "YT", 15), ("韵达", "YD", 10),
)  # fmt: skip

#: (sku, 商品, unit price in yuan)
PRODUCTS: tuple[tuple[str, str, float], ...] = (
    ("SKU-10021", "空气炸锅", 399.0),
    ("SKU-10045", "扫地机器人", 1899.0),
    ("SKU-10078", "电热水壶", 129.0),
    ("SKU-10102", "无线耳机", 899.0),
    ("SKU-10133", "加湿器", 259.0),
    ("SKU-10167", "破壁料理机", 699.0),
    ("SKU-10190", "电动牙刷", 299.0),
    ("SKU-10215", "羽绒服", 1299.0),
    ("SKU-10248", "净水器滤芯", 189.0),
    ("SKU-10276", "笔记本支架", 89.0),
)

#: Where orders come from.
SALES_CHANNELS: tuple[str, ...] = ("天猫旗舰店", "京东自营", "微信小程序", "官网", "抖音小店")

#: (服务项目, typical order value) for B特派 field visits.
SERVICES: tuple[tuple[str, float], ...] = (
    ("空调安装", 300.0),
    ("宽带上门开通", 0.0),
    ("净水器维护", 150.0),
    ("燃气灶检修", 120.0),
    ("企业网络巡检", 800.0),
    ("智能门锁安装", 200.0),
)

#: 外勤工程师 who take dispatches.
ENGINEERS: tuple[str, ...] = ("王师傅", "李师傅", "张师傅", "刘师傅", "陈师傅", "赵师傅", "孙师傅", "周师傅")

#: (账户类型, typical balance) for account closures.
ACCOUNT_TYPES: tuple[tuple[str, float], ...] = (
    ("个人储蓄账户", 3200.0),
    ("信用卡账户", 0.0),
    ("证券资金账户", 15800.0),
    ("企业结算账户", 86000.0),
)

#: Branches that handle closures, and the channel the customer applied through.
BRANCHES: tuple[str, ...] = ("上海浦东支行", "北京朝阳支行", "广州天河支行", "成都高新支行", "杭州西湖支行")
CLOSURE_CHANNELS: tuple[str, ...] = ("手机银行", "柜台", "电话客服", "网上银行")


@dataclass(frozen=True)
class Cause:
    """A reason items get stuck: its Chinese label, its place in the taxonomy, and what people write."""

    key: str
    zh: str
    category: str
    notes: tuple[str, ...]


CAUSES: dict[str, Cause] = {
    cause.key: cause
    for cause in (
        Cause(
            "information_not_passed",
            "信息未传达",
            "information_flow",
            (
                "确认请求没有发给客户，工程师以为调度已通知",
                "改约信息只记在群聊里，没有同步到系统",
                "仓库没有收到改地址的通知，继续按原地址备货",
                "财务不知道余额已结清，未推送到合规审批",
            ),
        ),
        Cause(
            "system_failure",
            "系统故障",
            "system_failure",
            (
                "WMS 接口超时，订单没有下发到仓库",
                "短信网关故障，确认短信发送失败",
                "核心系统批处理延迟，余额状态未更新",
                "派单系统升级后工程师 App 收不到工单",
            ),
        ),
        Cause(
            "owner_absent",
            "负责人缺席",
            "staffing",
            (
                "审批人休假，没有指定代理人",
                "负责工程师病假，工单没有转派",
                "值班主管外出培训，审批积压",
            ),
        ),
        Cause(
            "policy_change",
            "政策变动",
            "policy_change",
            (
                "反洗钱新规要求补充资金来源说明，原流程不适用",
                "上门服务新收费标准客户不认可",
                "部分地区临时限运，快递暂停揽收",
            ),
        ),
        Cause(
            "customer_unresponsive",
            "客户未响应",
            "customer_unresponsive",
            (
                "电话三次未接通，短信未回复",
                "客户表示再考虑，之后一直没有回复",
                "客户出差，无法确认上门时间",
            ),
        ),
        Cause(
            "supply_chain_delay",
            "供应链延误",
            "supply_chain",
            (
                "暴雪导致干线停运，包裹滞留中转站",
                "中转场爆仓，分拣延误",
                "航班取消，航空件改走陆运",
            ),
        ),
        Cause(
            "stock_out",
            "缺货",
            "inventory",
            (
                "库存为零，等待供应商补货",
                "系统显示有货，实际盘点缺货",
                "爆款缺货，供应商预计三天后到货",
            ),
        ),
        Cause(
            "wrong_address",
            "地址错误",
            "customer_data_error",
            (
                "门牌号不存在，快递员无法投递",
                "收件人电话空号，地址不完整",
                "小区已拆迁，客户未更新地址",
            ),
        ),
        Cause(
            "customer_data_error",
            "客户信息错误",
            "customer_data_error",
            (
                "身份证号与开户信息不一致",
                "预留手机号已停用，无法完成核验",
            ),
        ),
    )
}

#: What an owner writes when the item carried no cause of its own.
FOLLOW_UP_NOTES: tuple[str, ...] = (
    "已查看订单轨迹，正在与相关部门核实原因",
    "已电话联系客户说明情况，约定今天内回复",
    "系统记录不完整，已请上游补录",
    "已催办责任岗位，等待反馈",
)
