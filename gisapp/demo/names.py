"""Chinese names for the fictional demo district: places, people, enterprises and sources."""

from __future__ import annotations

import numpy as np

# Syllables of place names, in the style of Zhengzhou's streets and communities
# (林山寨, 建设路, 桐柏路, 碧沙岗 ...): any first + any second reads as a plausible name.
_PLACE_FIRST = "建文华兴锦康秦桐汝淮嵩须莲绿林金棉航友翠梧碧和安福泰庆瑞祥富新永宏昌德嘉平清长丰润开振凤龙鹤松柏桂兰梅荷枫杨柳伏颍伊沁洛"
_PLACE_SECOND = "设化苑园河山岭湖桥源城泉湾宁乐阳光明庭塘坡岗溪州台亭峰林冈川原口堤沙"
_ROAD_SUFFIXES = ("路", "路", "路", "街", "大道")

# Surnames roughly by frequency (the first ones repeat so they are drawn more often).
_SURNAMES = ("王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程"
             "曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦")
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌鹏辉宇浩凯俊"
          "飞鑫波宁慧婷雪琳晨阳欣怡子涵思博海燕亮林峰春梅凤丹东新利清云霞瑞佳雨轩昊天鸿")

_VILLAGE_PREFIXES = ("", "", "", "前", "后", "东", "西", "南", "北", "大", "小", "上", "下")
_VILLAGE_SUFFIXES = "庄寨营湾屯岗楼店集沟坡洼桥垌铺寺"

_BRAND_FIRST = "宏华恒金永瑞鑫天中豫嘉新同博盛开泰海正东兴隆信德汇富通远昌丰利达亿腾星"
_BRAND_SECOND = "达鑫通源盛丰磊成原星禾力创远世元泰海洋正兴隆信德汇富昌利辉宇航凯程润"
_INDUSTRIES = ("建材", "化工", "机械", "包装", "印刷", "食品", "塑料", "电子", "纺织", "家具",
               "汽车配件", "新材料", "环保科技", "金属制品", "医药", "涂料", "铸造", "橡胶制品",
               "陶瓷", "混凝土", "钢结构", "耐火材料", "饲料", "造纸", "电缆")

_CATERING = ("餐馆", "烩面馆", "饭店", "面馆", "烧烤", "火锅店", "快餐店", "小吃店", "牛肉汤馆",
             "胡辣汤馆", "包子铺", "酒家", "羊肉汤馆", "炒菜馆")
_BUILDINGS = ("花园", "苑", "府", "家园", "广场", "小区", "公馆", "新城")
_PHASES = ("", "一期", "二期", "三期")
_LIVESTOCK = ("养殖场", "养猪场", "养鸡场", "养牛场", "养羊场", "生猪养殖合作社", "蛋鸡养殖场")
_SMALL_INDUSTRY = ("机械厂", "塑料制品厂", "木器加工厂", "家具厂", "印刷厂", "石材加工厂",
                   "彩钢板厂", "预制件厂", "砖厂", "铝材加工厂", "纸箱厂")
_REPAIR = ("汽修厂", "汽车维修中心", "汽车美容店", "钣金喷漆店", "汽车服务部")
_OTHER = ("干洗店", "加油站", "洗车店", "建材市场", "物流园", "混凝土搅拌站", "垃圾中转站",
          "废品收购站", "沥青拌合站")
_ORDINALS = "一二三四五六七八九十"
_PHONE_PREFIXES = ("139", "138", "137", "136", "135", "158", "159", "186", "187", "188", "150",
                   "151", "152", "176", "177", "133", "189")


class NameBook:
    """Draws names from syllable lists with one seeded generator; every name it returns is new.

    >>> book = NameBook(np.random.default_rng(1))
    >>> name = book.community()
    >>> name.endswith("社区") and name != book.community()
    True
    """

    def __init__(self, rng: np.random.Generator, used=()):
        self.rng = rng
        self.used: set[str] = set(used)
        self._stems: set[str] = set()  # place stems already naming a grid: no 建岗街道 + 建岗镇

    # ---- building blocks -------------------------------------------------------------------
    def _pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def _unique(self, make, attempts: int = 200) -> str:
        for _ in range(attempts):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        # the syllable space is large, so this only happens for huge requests: number them
        base, n = make(), 2
        while f"{base}{n}号" in self.used:
            n += 1
        self.used.add(f"{base}{n}号")
        return f"{base}{n}号"

    def _place(self) -> str:
        first, second = self._pick(_PLACE_FIRST), self._pick(_PLACE_SECOND)
        return first + second if first != second else first + "新"

    def _grid_place(self) -> str:
        """A place stem not yet used by another grid."""
        for _ in range(200):
            stem = self._place()
            if stem not in self._stems:
                break
        self._stems.add(stem)
        return stem

    def _village_stem(self) -> str:
        return (self._pick(_VILLAGE_PREFIXES) + self._pick(_SURNAMES)
                + self._pick(_VILLAGE_SUFFIXES))

    def _brand(self) -> str:
        return self._pick(_BRAND_FIRST) + self._pick(_BRAND_SECOND)

    # ---- grids -------------------------------------------------------------------------------
    def street(self) -> str:
        return self._unique(lambda: self._grid_place() + ("路街道" if self.rng.random() < 0.4
                                                           else "街道"))

    def town(self) -> str:
        return self._unique(lambda: self._grid_place() + "镇")

    def community(self) -> str:
        def make():
            u = self.rng.random()
            tail = ("社区" if u < 0.6 else "路社区" if u < 0.8
                    else self._pick(("东", "西", "南", "北", "新村")) + "社区")
            return self._grid_place() + tail
        return self._unique(make)

    def village(self) -> str:
        return self._unique(lambda: self._village_stem() + "村")

    def park(self) -> str:
        return self._unique(lambda: self._grid_place()
                            + self._pick(("工业园区", "工业园区", "产业园区")))

    def enterprise(self) -> str:
        def make():
            legal = "股份有限公司" if self.rng.random() < 0.15 else "有限公司"
            return self._brand() + self._pick(_INDUSTRIES) + legal
        return self._unique(make)

    def road(self) -> str:
        return self._unique(lambda: self._place() + self._pick(_ROAD_SUFFIXES))

    def river(self) -> str:
        return self._unique(lambda: self._place() + "河")

    # ---- people ------------------------------------------------------------------------------
    def person(self) -> str:
        def make():
            given = self._pick(_GIVEN)
            if self.rng.random() < 0.7:
                given += self._pick(_GIVEN)
            return self._pick(_SURNAMES) + given
        return self._unique(make)

    def phone(self) -> str:
        return self._unique(lambda: self._pick(_PHONE_PREFIXES)
                            + "".join(str(d) for d in self.rng.integers(0, 10, 8)))

    # ---- pollution sources -------------------------------------------------------------------
    def source(self, category: str, village: str | None, river: str) -> str:
        """A source name fitting its category; ``village`` (without 村) names rural sites."""
        stem = village[:-1] if village else None
        pick = self._pick

        def make():
            if category == "catering_fumes":
                if self.rng.random() < 0.6:
                    return pick(_SURNAMES) + "记" + pick(_CATERING)
                return "老" + pick(_SURNAMES) + pick(_CATERING)
            if category == "construction_dust":
                if self.rng.random() < 0.7:
                    return self._place() + pick(_BUILDINGS) + pick(_PHASES) + "项目工地"
                return self._place() + pick(("路道路改造工程", "路管网施工工地", "安置房项目工地"))
            if category == "livestock":
                return (stem or self._village_stem()) + pick(_SURNAMES) + "氏" + pick(_LIVESTOCK)
            if category == "loose_coal":
                where = stem or self._place()
                return where + pick(("散煤销售点", "散煤经营户", "燃煤锅炉房", "蜂窝煤加工点"))
            if category == "open_burning":
                where = stem or self._place()
                return where + pick(("秸秆焚烧点", "垃圾露天焚烧点", "东地块焚烧点", "西沟焚烧点"))
            if category == "water_outfall":
                where = stem or self._place()
                return f"{river}{where}段{pick(_ORDINALS)}号入河排污口"
            if category == "vehicle_repair":
                return self._place() + pick(_REPAIR)
            if category == "industrial":
                return self._brand() + pick(_SMALL_INDUSTRY)
            return self._place() + pick(_OTHER)
        return self._unique(make)

    def house_number(self) -> int:
        return int(self.rng.integers(1, 300))

    def group(self) -> str:
        return _ORDINALS[int(self.rng.integers(0, 8))] + "组"
