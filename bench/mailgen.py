"""Generate a deterministic, realistic multilingual support mailbox as an mbox and a maildir."""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path
from random import Random

import benchlib

SHOP_ADDRESS = "support@shop.test"


def _words(text: str) -> list[str]:
    return text.split()


SHOP_NAME = "Shop Support"
START = datetime(2023, 11, 1, tzinfo=UTC)  # fixed, so the same seed gives the same bytes
SPAN_SECONDS = 730 * 24 * 3600  # two years of mail
MIN_BODY, MAX_BODY = 200, 8000
ATTACHMENT_RATE = 0.03
HTML_RATE = 0.10

# The compat32 MIME classes are ~4x faster than EmailMessage with policy.default, which
# matters at 100k messages; the bytes they produce are ordinary RFC 5322/MIME.
_CS_QP = Charset("utf-8")
_CS_QP.body_encoding = QP
_CS_B64 = Charset("utf-8")
_CS_B64.body_encoding = BASE64
_CS_RAW = Charset("utf-8")  # 7bit for ASCII text, 8bit otherwise
_CS_RAW.body_encoding = None

# Thread lengths: P(1) = 0.78 ... gives ~29% of messages that are replies.
_THREAD_LENGTHS = [1] * 78 + [2] * 13 + [3] * 4 + [4] * 3 + [5, 7]

LANGS = ("en", "id", "pt", "es")
LANG_WEIGHTS = (40, 30, 15, 15)
INTENTS = ("order_status", "refund", "damaged", "thanks", "exchange")
INTENT_WEIGHTS = (35, 22, 18, 12, 13)

FIRST_NAMES: dict[str, list[str]] = {
    "en": _words(
        "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
        "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Emily Daniel Olivia Matthew Chloe "
        "Andrew Grace Ryan Hannah Jack"
    ),
    "id": _words(
        "Budi Siti Agus Dewi Andi Sri Rizky Putri Ahmad Nur Dian Eko Wahyu Fitri Yusuf Indah "
        "Bayu Ratna Hendra Ayu Joko Lestari Fajar Intan Gilang Wulan Reza Nabila Arif Kartika"
    ),
    "pt": _words(
        "João Maria José Ana Antônio Francisca Carlos Adriana Paulo Juliana Pedro Márcia Lucas "
        "Fernanda Luiz Patrícia Marcos Aline Gabriel Sandra Rafael Camila Thiago Letícia Bruno "
        "Beatriz Vinícius Larissa Gonçalo Inês"
    ),
    "es": _words(
        "José María Antonio Carmen Manuel Lucía Francisco Laura Javier Marta Alejandro Sofía "
        "Pablo Paula Sergio Elena Jorge Andrea Álvaro Cristina Diego Raquel Iván Nerea Rubén "
        "Verónica Adrián Alba Óscar Begoña"
    ),
}
LAST_NAMES: dict[str, list[str]] = {
    "en": _words(
        "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
        "Martin Jackson Thompson White Harris Clark Lewis Walker Hall Young King Wright Scott"
    ),
    "id": _words(
        "Santoso Wijaya Saputra Hidayat Kusuma Pratama Lestari Nugroho Setiawan Rahayu Gunawan "
        "Susanto Purnomo Hakim Siregar Nasution Simanjuntak Harahap Wibowo Halim Tanjung"
    ),
    "pt": _words(
        "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa Ribeiro "
        "Martins Carvalho Araújo Melo Barbosa Rocha Dias Nascimento Conceição Gonçalves"
    ),
    "es": _words(
        "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez "
        "Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres"
    ),
}
DOMAINS: dict[str, list[str]] = {
    "en": ["gmail.com"] * 5 + ["outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "aol.com"],
    "id": ["gmail.com"] * 6 + ["yahoo.co.id", "yahoo.com", "outlook.co.id", "ymail.com"],
    "pt": ["gmail.com"] * 4 + ["hotmail.com", "outlook.com", "uol.com.br", "bol.com.br", "sapo.pt"],
    "es": ["gmail.com"] * 4 + ["hotmail.es", "outlook.es", "yahoo.es", "telefonica.net"],
}
TZ_OFFSETS: dict[str, list[int]] = {  # minutes east of UTC
    "en": [-300, -240, -420, 0, 60, 600],
    "id": [420, 480, 540],
    "pt": [-180, 0, 60],
    "es": [60, 120, -360, -300],
}
PRODUCTS: dict[str, list[str]] = {
    "en": [
        "wireless earbuds",
        "running shoes (size 42)",
        "ceramic mug set",
        "leather wallet",
        "phone case",
        "yoga mat",
        "coffee grinder",
        "linen shirt (M)",
        "desk lamp",
        "backpack",
    ],
    "id": [
        "sepatu lari",
        "tas ransel",
        "kemeja batik",
        "headset bluetooth",
        "casing HP",
        "kopi arabika 500g",
        "jam tangan",
        "hijab voal",
        "botol minum",
        "lampu meja",
    ],
    "pt": [
        "tênis de corrida",
        "fone de ouvido sem fio",
        "jogo de xícaras",
        "carteira de couro",
        "capinha de celular",
        "tapete de yoga",
        "moedor de café",
        "camisa de linho",
        "luminária de mesa",
        "mochila",
    ],
    "es": [
        "zapatillas de running",
        "auriculares inalámbricos",
        "juego de tazas",
        "cartera de piel",
        "funda de móvil",
        "esterilla de yoga",
        "molinillo de café",
        "camisa de lino",
        "lámpara de escritorio",
        "mochila",
    ],
}
CARRIERS: dict[str, list[str]] = {
    "en": ["UPS", "USPS", "DHL", "FedEx", "Royal Mail"],
    "id": ["JNE", "J&T Express", "SiCepat", "AnterAja", "Pos Indonesia"],
    "pt": ["Correios", "Jadlog", "CTT", "Loggi"],
    "es": ["Correos", "SEUR", "MRW", "GLS"],
}
GREETINGS: dict[str, list[str]] = {
    "en": ["Hi,", "Hello,", "Dear Support,", "Hi there,", "Good morning,"],
    "id": ["Halo kak,", "Selamat siang,", "Permisi min,", "Halo admin,", "Selamat pagi kak,"],
    "pt": ["Olá,", "Bom dia,", "Boa tarde,", "Prezados,", "Oi, tudo bem?"],
    "es": ["Hola,", "Buenos días,", "Buenas tardes,", "Estimados,", "Hola, ¿qué tal?"],
}
SIGNOFFS: dict[str, list[str]] = {
    "en": ["Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Thank you,"],
    "id": ["Terima kasih,", "Makasih kak,", "Salam,", "Terima kasih banyak,"],
    "pt": ["Obrigado,", "Obrigada,", "Atenciosamente,", "Abraços,", "Muito obrigado,"],
    "es": ["Gracias,", "Saludos,", "Un saludo,", "Muchas gracias,", "Atentamente,"],
}
SUBJECTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "order_status": [
            "Where is my order #{order}?",
            "Order #{order} not arrived yet",
            "Tracking number for order #{order}",
            "Status of my order",
        ],
        "refund": ["Refund request for order #{order}", "Refund not received", "Request a refund"],
        "damaged": [
            "Damaged item in order #{order}",
            "My {product} arrived damaged",
            "Broken item received",
        ],
        "thanks": ["Thank you!", "Received my order, thanks", "Great service"],
        "exchange": ["Exchange size for order #{order}", "Wrong size received", "Can I exchange?"],
    },
    "id": {
        "order_status": [
            "Pesanan #{order} belum sampai",
            "Nomor resi pesanan #{order}",
            "Status pesanan saya",
            "Kapan pesanan #{order} dikirim?",
        ],
        "refund": [
            "Pengembalian dana pesanan #{order}",
            "Refund belum masuk",
            "Minta refund kak",
        ],
        "damaged": ["Barang rusak pesanan #{order}", "{product} datang dalam keadaan rusak"],
        "thanks": ["Terima kasih kak", "Pesanan sudah sampai, terima kasih"],
        "exchange": ["Tukar ukuran pesanan #{order}", "Ukuran tidak sesuai"],
    },
    "pt": {
        "order_status": [
            "Pedido #{order} não chegou",
            "Código de rastreio do pedido #{order}",
            "Onde está meu pedido?",
        ],
        "refund": [
            "Reembolso do pedido #{order}",
            "Solicitação de reembolso",
            "Estorno não recebido",
        ],
        "damaged": ["Produto danificado no pedido #{order}", "{product} chegou danificado"],
        "thanks": ["Obrigado pelo atendimento", "Recebi meu pedido, obrigada!"],
        "exchange": ["Troca de tamanho do pedido #{order}", "Tamanho errado"],
    },
    "es": {
        "order_status": [
            "¿Dónde está mi pedido #{order}?",
            "Pedido #{order} no ha llegado",
            "Número de seguimiento del pedido #{order}",
        ],
        "refund": [
            "Reembolso del pedido #{order}",
            "Solicitud de reembolso",
            "No he recibido el reembolso",
        ],
        "damaged": ["Artículo dañado en el pedido #{order}", "{product} llegó dañado"],
        "thanks": ["¡Muchas gracias!", "Pedido recibido, gracias"],
        "exchange": ["Cambio de talla del pedido #{order}", "Talla equivocada"],
    },
}
OPENINGS: dict[str, dict[str, list[str]]] = {
    "en": {
        "order_status": [
            "I placed order #{order} on {odate} for a {product} and it still has not arrived. "
            "Where is my order? The tracking number {tracking} has not updated for {days} days.",
            "Could you please check the status of order #{order}? I was told it would ship "
            "within two business days but I have not received a tracking number yet.",
            "My order #{order} ({product}) was supposed to arrive last week. The {carrier} "
            "tracking page says 'label created' and nothing else. Can you track it for me?",
        ],
        "refund": [
            "I returned the {product} from order #{order} {days} days ago and I still have not "
            "received my refund. The return tracking number is {tracking}.",
            "I would like to request a refund for order #{order}. The {product} is not what I "
            "expected and I have not used it. Please let me know how to send it back.",
            "You confirmed my refund for order #{order} but the money is not on my card yet. "
            "How long does the refund usually take?",
        ],
        "damaged": [
            "My {product} from order #{order} arrived damaged. The box was crushed and the item "
            "is broken. I attached a photo of the damage.",
            "The {product} I received today is damaged: there is a crack along one side. "
            "Order #{order}, delivered by {carrier}. Can you send a replacement?",
        ],
        "thanks": [
            "Just wanted to say thank you, the {product} arrived today and it is perfect. "
            "Great packaging and fast shipping!",
            "Received order #{order} this morning. Thanks for the quick help with the address "
            "change, really appreciated.",
        ],
        "exchange": [
            "The {product} from order #{order} is too small. Can I exchange it for a bigger "
            "size? I still have the original packaging.",
            "I received the wrong size in order #{order}. I ordered a large but got a medium. "
            "How do I exchange it?",
        ],
    },
    "id": {
        "order_status": [
            "Saya sudah pesan {product} dengan nomor pesanan #{order} tanggal {odate} tapi "
            "pesanan belum sampai juga. Nomor resi {tracking} tidak ada update sudah {days} hari.",
            "Mohon dicek status pesanan #{order} kak. Katanya dikirim dalam 2 hari kerja tapi "
            "sampai sekarang saya belum dapat nomor resi.",
            "Pesanan saya #{order} sudah seminggu belum sampai. Kurirnya {carrier}, bisa "
            "dibantu cek resinya? Barangnya mau dipakai untuk hadiah.",
        ],
        "refund": [
            "Saya sudah retur {product} dari pesanan #{order} {days} hari yang lalu tapi "
            "pengembalian dana belum masuk ke rekening saya. Resi retur {tracking}.",
            "Saya mau minta refund untuk pesanan #{order} karena barangnya tidak sesuai "
            "deskripsi. Bagaimana caranya kak?",
        ],
        "damaged": [
            "{product} dari pesanan #{order} datang dalam keadaan rusak, kardusnya penyok dan "
            "barangnya pecah. Saya lampirkan foto barang yang rusak.",
            "Barang yang saya terima hari ini rusak kak, ada retak di bagian samping. Pesanan "
            "#{order}, dikirim lewat {carrier}. Bisa dikirim ulang?",
        ],
        "thanks": [
            "Terima kasih kak, {product} sudah sampai hari ini dan bagus sekali. Packingnya "
            "rapi dan pengirimannya cepat!",
            "Pesanan #{order} sudah saya terima. Terima kasih atas bantuannya, pelayanannya "
            "ramah sekali.",
        ],
        "exchange": [
            "{product} dari pesanan #{order} ukurannya kekecilan. Apakah bisa tukar ukuran? "
            "Kemasan aslinya masih ada.",
            "Ukuran yang dikirim tidak sesuai pesanan #{order}, saya pesan L tapi datang M. "
            "Bagaimana cara tukarnya kak?",
        ],
    },
    "pt": {
        "order_status": [
            "Fiz o pedido #{order} em {odate} ({product}) e até agora não chegou. O código de "
            "rastreio {tracking} não atualiza há {days} dias. Onde está meu pedido?",
            "Poderiam verificar o status do pedido #{order}? Disseram que seria enviado em "
            "dois dias úteis, mas ainda não recebi o código de rastreio.",
        ],
        "refund": [
            "Devolvi o {product} do pedido #{order} há {days} dias e ainda não recebi o "
            "reembolso. O código de rastreio da devolução é {tracking}.",
            "Gostaria de solicitar o reembolso do pedido #{order}. O produto não é o que eu "
            "esperava e não foi usado. Como faço para devolver?",
        ],
        "damaged": [
            "O {product} do pedido #{order} chegou danificado. A caixa estava amassada e o "
            "produto quebrado. Segue foto em anexo.",
            "Recebi hoje o pedido #{order} pela {carrier} e o produto veio danificado, com uma "
            "rachadura na lateral. Podem enviar outro?",
        ],
        "thanks": [
            "Só queria agradecer, o {product} chegou hoje e é perfeito. Muito obrigado pela "
            "entrega rápida!",
            "Recebi o pedido #{order} hoje de manhã. Obrigada pela ajuda com a troca de "
            "endereço, atendimento excelente.",
        ],
        "exchange": [
            "O {product} do pedido #{order} ficou pequeno. Posso trocar por um tamanho maior? "
            "Ainda tenho a embalagem original.",
        ],
    },
    "es": {
        "order_status": [
            "Hice el pedido #{order} el {odate} ({product}) y todavía no ha llegado. El número "
            "de seguimiento {tracking} no se actualiza desde hace {days} días.",
            "¿Podrían revisar el estado del pedido #{order}? Me dijeron que se enviaría en dos "
            "días hábiles pero aún no tengo número de seguimiento.",
        ],
        "refund": [
            "Devolví el {product} del pedido #{order} hace {days} días y todavía no he recibido "
            "el reembolso. El número de seguimiento de la devolución es {tracking}.",
            "Quisiera solicitar el reembolso del pedido #{order}. El artículo no es lo que "
            "esperaba y no lo he usado.",
        ],
        "damaged": [
            "El {product} del pedido #{order} llegó dañado. La caja estaba aplastada y el "
            "artículo roto. Adjunto una foto.",
            "Hoy recibí el pedido #{order} por {carrier} y el artículo está dañado, tiene una "
            "grieta en un lado. ¿Pueden enviar otro?",
        ],
        "thanks": [
            "Solo quería daros las gracias, el {product} llegó hoy y es perfecto. ¡Envío muy "
            "rápido!",
            "Recibí el pedido #{order} esta mañana. Gracias por la ayuda con el cambio de "
            "dirección.",
        ],
        "exchange": [
            "El {product} del pedido #{order} me queda pequeño. ¿Puedo cambiarlo por una talla "
            "más grande? Aún tengo el embalaje original.",
        ],
    },
}
FILLER: dict[str, list[str]] = {
    "en": [
        "I ordered it as a birthday present for my sister, so I really need it before {odate}.",
        "My delivery address is {street} {house}, {city}. Please double check it is correct "
        "on the shipping label, I moved recently.",
        "I tried calling the number on your website twice but nobody answered, so I am "
        "writing here instead.",
        "I have been a customer for a few years and this has never happened before, so I am "
        "sure it is just a mix-up somewhere.",
        "The carrier website says the parcel was handed over to the local depot, but the "
        "depot says they do not have it.",
        "Please let me know if you need any other information from me, such as the invoice "
        "or my phone number ({phone}).",
        "I paid with PayPal and the payment went through on {odate}, transaction id {tracking}.",
        "I would prefer a replacement rather than store credit if that is possible.",
        "To be honest I am a bit disappointed, but I understand that shipping problems happen.",
        "Could you also tell me whether the {product} comes with a warranty card?",
    ],
    "id": [
        "Barangnya mau saya kasih sebagai hadiah ulang tahun, jadi mohon dibantu secepatnya "
        "ya kak.",
        "Alamat pengiriman saya {street} No. {house}, {city}. Mohon dicek lagi alamatnya "
        "sudah benar.",
        "Saya sudah coba hubungi lewat chat tapi belum dibalas, jadi saya kirim email saja.",
        "Saya sudah sering belanja di toko ini dan baru kali ini ada masalah seperti ini.",
        "Di website kurir statusnya sudah sampai di gudang kota tujuan tapi tidak ada update lagi.",
        "Kalau perlu data lain bisa hubungi saya di nomor {phone} ya kak.",
        "Pembayaran sudah lewat transfer bank tanggal {odate}, bukti transfer ada.",
        "Saya lebih suka barang diganti baru daripada voucher kalau memungkinkan.",
        "Mohon info juga apakah {product} ini ada garansinya atau tidak.",
        "Semoga bisa segera diproses, terima kasih atas perhatiannya.",
    ],
    "pt": [
        "Comprei como presente de aniversário para minha irmã, então preciso receber antes "
        "de {odate}.",
        "Meu endereço de entrega é {street}, {house}, {city}. Por favor confiram se está "
        "correto na etiqueta.",
        "Tentei ligar para o número do site duas vezes mas ninguém atendeu, por isso estou "
        "escrevendo aqui.",
        "Sou cliente há alguns anos e isso nunca aconteceu antes, deve ter sido algum engano.",
        "O site da transportadora diz que o pacote foi entregue ao centro de distribuição, "
        "mas lá dizem que não está com eles.",
        "Se precisarem de mais alguma informação, meu telefone é {phone}.",
        "Paguei com cartão de crédito em {odate}, o número da transação é {tracking}.",
        "Prefiro a troca do produto em vez de crédito na loja, se for possível.",
        "O {product} tem garantia? Não encontrei o certificado na caixa.",
    ],
    "es": [
        "Lo compré como regalo de cumpleaños para mi hermana, así que lo necesito antes del "
        "{odate}.",
        "Mi dirección de envío es {street} {house}, {city}. Por favor comprueben que está "
        "bien en la etiqueta.",
        "Intenté llamar al teléfono de la web dos veces pero nadie contestó, por eso escribo "
        "por aquí.",
        "Soy cliente desde hace años y nunca me había pasado, seguro que es un error puntual.",
        "La web de la empresa de transporte dice que el paquete está en la delegación, pero "
        "allí dicen que no lo tienen.",
        "Si necesitan más información pueden llamarme al {phone}.",
        "Pagué con tarjeta el {odate}, el número de transacción es {tracking}.",
        "Preferiría un artículo nuevo en lugar de un vale, si es posible.",
        "¿El {product} tiene garantía? No encontré el certificado en la caja.",
    ],
}
STREETS: dict[str, list[str]] = {
    "en": ["Maple Street", "Oak Avenue", "High Street", "Church Road", "Park Lane", "Elm Drive"],
    "id": ["Jl. Sudirman", "Jl. Diponegoro", "Jl. Gatot Subroto", "Jl. Merdeka", "Jl. Asia Afrika"],
    "pt": ["Rua das Flores", "Avenida Paulista", "Rua Augusta", "Rua do Comércio", "Av. Brasil"],
    "es": ["Calle Mayor", "Gran Vía", "Calle de Alcalá", "Avenida de la Constitución"],
}
CITIES: dict[str, list[str]] = {
    "en": ["London", "Manchester", "Chicago", "Austin", "Sydney", "Toronto", "Dublin"],
    "id": ["Jakarta Selatan", "Bandung", "Surabaya", "Yogyakarta", "Medan", "Denpasar"],
    "pt": ["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Lisboa", "Porto", "Curitiba"],
    "es": ["Madrid", "Barcelona", "Valencia", "Sevilla", "Ciudad de México", "Bogotá"],
}
SHOP_REPLIES: dict[str, dict[str, list[str]]] = {
    "en": {
        "order_status": [
            "Thanks for reaching out about order #{order}. Your parcel shipped with {carrier}; "
            "the tracking number is {tracking}. It should arrive within {days} business days.",
            "I checked order #{order}: the carrier had a delay at the sorting centre. We have "
            "opened a trace with {carrier} and will update you as soon as we hear back.",
        ],
        "refund": [
            "Your refund for order #{order} was issued today. Depending on your bank it can "
            "take 5-10 business days to appear on your statement.",
            "We received your return of the {product}. The refund has been approved and will "
            "be credited to your original payment method.",
        ],
        "damaged": [
            "We are very sorry that your {product} arrived damaged. A replacement has been sent "
            "today, tracking number {tracking}. No need to return the damaged item.",
            "Sorry about the damaged item in order #{order}. Could you send us a photo of the "
            "box and the label so we can file a claim with {carrier}?",
        ],
        "thanks": ["Thank you so much for the kind words! Enjoy your {product}."],
        "exchange": [
            "Of course, we can exchange the {product} from order #{order}. Please send it back "
            "using the prepaid label attached and we will ship the new size right away.",
        ],
    },
    "id": {
        "order_status": [
            "Terima kasih sudah menghubungi kami kak. Pesanan #{order} sudah dikirim lewat "
            "{carrier} dengan nomor resi {tracking}, estimasi sampai {days} hari kerja.",
            "Sudah kami cek kak, paket pesanan #{order} tertahan di gudang transit. Kami sudah "
            "ajukan pengecekan ke {carrier} dan akan kabari secepatnya.",
        ],
        "refund": [
            "Pengembalian dana untuk pesanan #{order} sudah kami proses hari ini kak. Dana "
            "akan masuk dalam 3-7 hari kerja tergantung bank.",
            "Retur {product} sudah kami terima kak, refund sudah disetujui dan akan dikirim ke "
            "rekening kakak.",
        ],
        "damaged": [
            "Mohon maaf sekali kak atas barang yang rusak. Penggantinya sudah kami kirim hari "
            "ini dengan nomor resi {tracking}.",
            "Mohon maaf kak. Boleh minta foto kardus dan label pengirimannya supaya kami bisa "
            "klaim ke {carrier}?",
        ],
        "thanks": ["Sama-sama kak, terima kasih sudah belanja di toko kami!"],
        "exchange": [
            "Bisa kak, silakan kirim balik {product} dari pesanan #{order} ke alamat gudang "
            "kami, ukuran baru akan langsung kami kirim.",
        ],
    },
    "pt": {
        "order_status": [
            "Obrigado pelo contato. O pedido #{order} foi enviado pela {carrier}, código de "
            "rastreio {tracking}. A previsão de entrega é de {days} dias úteis.",
            "Verificamos o pedido #{order}: houve um atraso no centro de distribuição. Já "
            "abrimos uma reclamação com a {carrier} e avisaremos assim que tivermos retorno.",
        ],
        "refund": [
            "O reembolso do pedido #{order} foi processado hoje. Dependendo do banco, pode "
            "levar de 5 a 10 dias úteis para aparecer na fatura.",
        ],
        "damaged": [
            "Lamentamos muito que o {product} tenha chegado danificado. Enviamos hoje um novo, "
            "código de rastreio {tracking}. Não precisa devolver o produto danificado.",
        ],
        "thanks": ["Muito obrigado pelo carinho! Aproveite o seu {product}."],
        "exchange": [
            "Claro, podemos trocar o {product} do pedido #{order}. Envie de volta com a "
            "etiqueta pré-paga em anexo e enviaremos o novo tamanho.",
        ],
    },
    "es": {
        "order_status": [
            "Gracias por escribirnos. El pedido #{order} se envió con {carrier}, número de "
            "seguimiento {tracking}. Debería llegar en {days} días hábiles.",
            "Hemos revisado el pedido #{order}: hubo un retraso en el centro de clasificación. "
            "Hemos abierto una incidencia con {carrier}.",
        ],
        "refund": [
            "El reembolso del pedido #{order} se ha emitido hoy. Según tu banco puede tardar "
            "de 5 a 10 días hábiles en aparecer.",
        ],
        "damaged": [
            "Sentimos mucho que el {product} llegara dañado. Hoy te hemos enviado uno nuevo, "
            "número de seguimiento {tracking}.",
        ],
        "thanks": ["¡Muchas gracias por tus palabras! Disfruta tu {product}."],
        "exchange": [
            "Por supuesto, podemos cambiar el {product} del pedido #{order}. Envíalo con la "
            "etiqueta prepagada adjunta y te mandaremos la nueva talla.",
        ],
    },
}
FOLLOW_UPS: dict[str, list[str]] = {
    "en": [
        "Thanks for the quick answer. The tracking still shows no movement though, could you "
        "check again?",
        "Thank you, I received it today. Everything is fine now.",
        "I still have not received anything. This is the third time I am writing about order "
        "#{order}.",
        "Here is the photo you asked for. The label is torn but you can read the tracking number.",
    ],
    "id": [
        "Terima kasih kak atas jawabannya. Tapi resinya masih belum bergerak, bisa dicek lagi?",
        "Sudah sampai kak, terima kasih banyak!",
        "Sampai sekarang barangnya belum sampai juga kak, ini sudah ketiga kalinya saya "
        "tanya soal pesanan #{order}.",
        "Ini fotonya kak. Labelnya sobek sedikit tapi nomor resinya masih kebaca.",
    ],
    "pt": [
        "Obrigado pela resposta rápida. O rastreio continua sem atualização, podem verificar "
        "de novo?",
        "Obrigada, recebi hoje. Está tudo certo agora.",
        "Ainda não recebi nada. É a terceira vez que escrevo sobre o pedido #{order}.",
    ],
    "es": [
        "Gracias por la respuesta. El seguimiento sigue sin moverse, ¿pueden revisarlo otra vez?",
        "Gracias, lo recibí hoy. Todo bien.",
        "Todavía no he recibido nada. Es la tercera vez que escribo por el pedido #{order}.",
    ],
}
TRACKING_EVENTS: dict[str, list[str]] = {
    "en": [
        "Shipment information received",
        "Arrived at sort facility",
        "Departed facility",
        "In transit to next facility",
        "Out for delivery",
        "Delivery attempted - no one available",
        "Held at depot awaiting collection",
    ],
    "id": [
        "Paket telah diterima di gudang",
        "Paket sedang dalam perjalanan",
        "Paket tiba di hub transit",
        "Paket sedang diantar kurir",
        "Gagal antar - penerima tidak di tempat",
        "Paket dikembalikan ke gudang",
    ],
    "pt": [
        "Objeto postado",
        "Objeto em trânsito - por favor aguarde",
        "Objeto recebido na unidade de distribuição",
        "Objeto saiu para entrega ao destinatário",
        "Carteiro não atendido - entrega não realizada",
    ],
    "es": [
        "Admitido",
        "En tránsito",
        "Llegada al centro de clasificación",
        "En reparto",
        "Entrega fallida - destinatario ausente",
        "Disponible para recoger en oficina",
    ],
}
ORDER_LABELS: dict[str, tuple[str, str, str]] = {
    "en": ("Order", "Total", "Ship to"),
    "id": ("Pesanan", "Total", "Alamat pengiriman"),
    "pt": ("Pedido", "Total", "Endereço de entrega"),
    "es": ("Pedido", "Total", "Dirección de envío"),
}
SHOP_AGENTS = ["Dewi", "Sam", "Rina", "Lucas", "Marta", "Bagus"]
SHOP_SIGNATURE = "--\n{agent}\nShop Support Team | https://shop.test/help\nMon-Fri 9:00-17:00 (WIB)"
QUOTE_INTRO: dict[str, str] = {
    "en": "On {date}, {name} <{email}> wrote:",
    "id": "Pada {date} {name} <{email}> menulis:",
    "pt": "Em {date}, {name} <{email}> escreveu:",
    "es": "El {date}, {name} <{email}> escribió:",
}
REPLY_PREFIX: dict[str, list[str]] = {
    "en": ["Re: "],
    "id": ["Re: ", "Balas: "],
    "pt": ["Re: ", "RES: "],
    "es": ["Re: ", "RE: "],
}
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(slots=True)
class Customer:
    """One distinct customer: a name, an address and the mailer they use."""

    lang: str
    name: str
    first: str
    email: str
    mailer: str  # gmail | outlook | yahoo | other
    tz: timezone
    header: str  # the encoded From/To header value, built once


@dataclass(slots=True)
class Built:
    """One generated message: when it was sent, the envelope sender and its bytes."""

    ts: float
    seq: int
    sender: str
    raw: bytes


@dataclass(slots=True)
class ThreadState:
    """What later messages of a conversation need from earlier ones."""

    customer: Customer
    intent: str
    subject: str
    values: dict[str, str]
    ids: list[str] = field(default_factory=list)
    last_text: str = ""
    last_name: str = ""
    last_email: str = ""
    last_when: datetime | None = None


class Generator:
    """Builds the mailbox; every random choice comes from one seeded Random."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = Random(seed)
        self.taken: set[str] = set()
        # 0.21 n customers drawn ~0.71 n times gives ~0.2 n distinct correspondents.
        self.customers = [self._customer(i) for i in range(max(1, round(n * 0.21)))]
        self.seq = 0
        self.sample_order = ""  # an order number that exists, for bench_search
        self.stats = {"messages": 0, "threads": 0, "replies": 0, "references_only": 0}
        self.stats |= {"attachments": 0, "html": 0, "shop": 0}

    # -- people ----------------------------------------------------------------------------

    def _customer(self, index: int) -> Customer:
        rng = self.rng
        lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
        first = rng.choice(FIRST_NAMES[lang])
        last = rng.choice(LAST_NAMES[lang])
        name = f"{first} {last}"
        local = _ascii_fold(f"{first}.{last}").lower()
        style = rng.random()
        if style < 0.3:
            local = f"{local}{rng.randint(1, 9999)}"
        elif style < 0.45:
            local = local.replace(".", "_") + str(rng.randint(70, 99))
        elif style < 0.55:
            local = local.split(".")[0] + str(index)
        domain = rng.choice(DOMAINS[lang])
        email = f"{local}@{domain}"
        if email in self.taken:  # two people with one address would merge their tickets
            email = f"{local}.{index}@{domain}"
        self.taken.add(email)
        if "gmail" in domain:
            mailer = "gmail"
        elif "outlook" in domain or "hotmail" in domain:
            mailer = "outlook"
        elif "yahoo" in domain or "ymail" in domain:
            mailer = "yahoo"
        else:
            mailer = "other"
        tz = timezone(timedelta(minutes=rng.choice(TZ_OFFSETS[lang])))
        # 10% of people send without a display name.
        header = email if rng.random() < 0.1 else formataddr((name, email), "utf-8")
        return Customer(lang, name, first, email, mailer, tz, header)

    # -- ids and headers ---------------------------------------------------------------------

    def _message_id(self, mailer: str) -> str:
        rng = self.rng
        if mailer == "gmail":
            token = base64.b64encode(rng.randbytes(33)).decode().replace("/", "_")
            return f"<CA{token}@mail.gmail.com>"
        if mailer == "outlook":
            host = "".join(rng.choice(_B32) for _ in range(14))
            token = "".join(rng.choice(_B32) for _ in range(24))
            return f"<{host}{token}@{host}.namprd0{rng.randint(1, 9)}.prod.outlook.com>"
        if mailer == "yahoo":
            parts = (rng.getrandbits(30), rng.getrandbits(20), rng.getrandbits(40))
            return "<{}.{}.{}@mail.yahoo.com>".format(*parts)
        if mailer == "shop":
            h = f"{rng.getrandbits(128):032x}"
            return f"<{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@shop.test>"
        host = rng.choice(["localhost", "mx.mail"])
        return f"<{rng.getrandbits(64):016x}.{rng.getrandbits(32):x}@{host}>"

    def _received(self, msg: Message, when: datetime, mailer: str) -> None:
        rng = self.rng
        stamp = format_datetime(when.astimezone(UTC))
        ip = ".".join(
            str(rng.randint(lo, hi)) for lo, hi in ((11, 223), (0, 255), (0, 255), (1, 254))
        )
        msg["Return-Path"] = "<bounce@example.invalid>"
        msg["Received"] = (
            f"from mx.{mailer}.example ({ip}) by mx.shop.test (Postfix) with ESMTPS id "
            f"{rng.getrandbits(40):010X} for <{SHOP_ADDRESS}>; {stamp}"
        )
        if mailer == "gmail":
            sig = base64.b64encode(rng.randbytes(256)).decode()
            bh = base64.b64encode(rng.randbytes(32)).decode()
            msg["DKIM-Signature"] = (
                "v=1; a=rsa-sha256; c=relaxed/relaxed; d=gmail.com; s=20230601; "
                f"h=to:subject:message-id:date:from:mime-version:from:to:cc:subject; bh={bh}; "
                f"b={sig}"
            )

    # -- bodies ------------------------------------------------------------------------------

    def _values(self, lang: str) -> dict[str, str]:
        rng = self.rng
        carrier = rng.choice(CARRIERS[lang])
        prefix = "".join(ch for ch in carrier.upper() if ch.isalpha())[:3]
        odate = START + timedelta(days=rng.randint(0, 730))
        return {
            "order": str(rng.randint(10000, 99999)),
            "product": rng.choice(PRODUCTS[lang]),
            "carrier": carrier,
            "tracking": f"{prefix}{rng.randint(10**9, 10**10 - 1)}",
            "days": str(rng.randint(2, 14)),
            "odate": odate.strftime("%d/%m/%Y" if lang != "en" else "%B %d"),
            "street": rng.choice(STREETS[lang]),
            "house": str(rng.randint(1, 250)),
            "city": rng.choice(CITIES[lang]),
            "phone": f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        }

    def _target_size(self) -> int:
        # Log-uniform between the bounds: many short mails, a long tail of long ones.
        return int(MIN_BODY * (MAX_BODY / MIN_BODY) ** self.rng.random())

    def _customer_text(self, thread: ThreadState, first: bool) -> str:
        rng = self.rng
        lang = thread.customer.lang
        values = thread.values
        parts = [rng.choice(GREETINGS[lang])]
        if first:
            parts.append(rng.choice(OPENINGS[lang][thread.intent]).format(**values))
        else:
            parts.append(rng.choice(FOLLOW_UPS[lang]).format(**values))
        target = self._target_size() if first else rng.randint(MIN_BODY, 1200)
        fillers = FILLER[lang]
        parts += [p.format(**values) for p in rng.sample(fillers, rng.randint(0, 3))]
        size = sum(len(p) + 2 for p in parts)
        # Long mails are long because people paste things: tracking histories, order summaries.
        while size + 120 < target:
            block = self._pasted(lang, values, target - size)
            parts.append(block)
            size += len(block) + 2
        parts.append(f"{rng.choice(SIGNOFFS[lang])}\n{thread.customer.first}")
        return "\n\n".join(parts)

    def _pasted(self, lang: str, values: dict[str, str], room: int) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            events = TRACKING_EVENTS[lang]
            lines = [f"{values['carrier']} {values['tracking']}"]
            moment = START + timedelta(minutes=rng.randrange(SPAN_SECONDS // 60))
            size = len(lines[0])
            while size < min(room, 3000):
                moment += timedelta(minutes=rng.randint(30, 2000))
                line = (
                    f"{moment:%d/%m/%Y %H:%M}  {rng.choice(events)}"
                    f" - {rng.choice(CITIES[lang]).upper()} {rng.randint(1, 99):02d}"
                )
                lines.append(line)
                size += len(line) + 1
            return "\n".join(lines)
        labels = ORDER_LABELS[lang]
        lines = [f"{labels[0]} #{values['order']}"]
        total = 0
        for _ in range(rng.randint(1, 6)):
            qty = rng.randint(1, 3)
            price = rng.randint(5, 300) * 1000 if lang == "id" else rng.randint(5, 300) + 0.99
            total += qty * price
            product = rng.choice(PRODUCTS[lang])
            lines.append(f"  {qty} x {product} (SKU {rng.randint(100000, 999999)})  {price:,}")
        lines.append(f"{labels[1]}: {total:,.2f}")
        lines.append(f"{labels[2]}: {values['street']} {values['house']}, {values['city']}")
        return "\n".join(lines)

    def _shop_text(self, thread: ThreadState) -> str:
        rng = self.rng
        lang = thread.customer.lang
        greeting = {"en": "Hi", "id": "Halo kak", "pt": "Olá", "es": "Hola"}[lang]
        parts = [
            f"{greeting} {thread.customer.first},",
            rng.choice(SHOP_REPLIES[lang][thread.intent]).format(**thread.values),
        ]
        if rng.random() < 0.4:
            parts.append(rng.choice(SHOP_REPLIES[lang]["order_status"]).format(**thread.values))
        parts.append(SHOP_SIGNATURE.format(agent=rng.choice(SHOP_AGENTS)))
        return "\n\n".join(parts)

    def _with_quote(self, text: str, thread: ThreadState) -> str:
        if not thread.last_text or thread.last_when is None or self.rng.random() < 0.15:
            return text
        intro = QUOTE_INTRO[thread.customer.lang].format(
            date=format_datetime(thread.last_when), name=thread.last_name, email=thread.last_email
        )
        room = MAX_BODY - len(text.encode()) - len(intro) - 8
        quoted: list[str] = []
        for line in thread.last_text.split("\n"):
            marked = "> " + line if line and not line.startswith(">") else ">" + line
            room -= len(marked.encode()) + 1
            if room < 0:
                break
            quoted.append(marked)
        return f"{text}\n\n{intro}\n" + "\n".join(quoted) if quoted else text

    # -- MIME --------------------------------------------------------------------------------

    def _text_part(self, text: str, subtype: str, mailer: str) -> MIMEText:
        if text.isascii():
            return MIMEText(text, subtype, "us-ascii" if mailer == "other" else _CS_RAW)
        # Outlook and many webmails send base64, Gmail and Thunderbird quoted-printable,
        # some mailers plain 8bit.
        draw = self.rng.random()
        if mailer == "outlook" or draw < 0.15:
            return MIMEText(text, subtype, _CS_B64)
        return MIMEText(text, subtype, _CS_RAW if draw < 0.25 else _CS_QP)

    def _attachment(self, lang: str, when: datetime) -> Message:
        rng = self.rng
        size = rng.randint(5_000, 50_000)
        kind = rng.random()
        if kind < 0.6:
            data = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(size)
            part: Message = MIMEImage(data, "jpeg")
            name = f"IMG_{when:%Y%m%d_%H%M%S}.jpg"
        elif kind < 0.85:
            data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(size)
            part = MIMEImage(data, "png")
            name = f"Screenshot {when:%Y-%m-%d} at {when:%H.%M.%S}.png"
        else:
            data = b"%PDF-1.4\n" + rng.randbytes(size)
            part = MIMEApplication(data, "pdf")
            name = {"en": "invoice", "id": "faktur", "pt": "nota-fiscal", "es": "factura"}[lang]
            name = f"{name}-{rng.randint(1000, 9999)}.pdf"
        part.add_header("Content-Disposition", "attachment", filename=name)
        return part

    def _boundary(self) -> str:
        # email's own boundaries come from the global random module: not reproducible.
        return f"{'=' * 15}{self.rng.getrandbits(63):019d}=="

    def _mime(self, text: str, mailer: str, lang: str, when: datetime) -> Message:
        body: Message = self._text_part(text, "plain", mailer)
        if self.rng.random() < HTML_RATE:
            self.stats["html"] += 1
            alternative = MIMEMultipart("alternative", boundary=self._boundary())
            alternative.attach(body)
            alternative.attach(self._text_part(_html(text), "html", mailer))
            body = alternative
        if self.rng.random() < ATTACHMENT_RATE:
            self.stats["attachments"] += 1
            mixed = MIMEMultipart("mixed", boundary=self._boundary())
            mixed.attach(body)
            mixed.attach(self._attachment(lang, when))
            body = mixed
        return body

    def _build(
        self, thread: ThreadState, when: datetime, from_shop: bool, text: str
    ) -> tuple[Built, str]:
        rng = self.rng
        customer = thread.customer
        mailer = "shop" if from_shop else customer.mailer
        msg = self._mime(text, mailer, customer.lang, when)
        headers = Message()
        if not from_shop:
            self._received(headers, when, mailer)
        msgid = self._message_id(mailer)
        headers["Date"] = format_datetime(when.astimezone(UTC if from_shop else customer.tz))
        sender_header = f"{SHOP_NAME} <{SHOP_ADDRESS}>"
        headers["From"] = sender_header if from_shop else customer.header
        headers["To"] = customer.header if from_shop else sender_header
        headers["Subject"] = thread.subject
        headers["Message-ID"] = msgid
        if thread.ids:
            references = thread.ids[-12:]  # mailers trim long chains
            if mailer == "outlook" and rng.random() < 0.7:
                self.stats["references_only"] += 1
            else:
                headers["In-Reply-To"] = thread.ids[-1]
            headers["References"] = " ".join(references)
        if mailer == "outlook":
            headers["Thread-Topic"] = thread.subject
            headers["Thread-Index"] = base64.b64encode(rng.randbytes(22)).decode()
            headers["X-MS-Has-Attach"] = "yes" if msg.get_content_subtype() == "mixed" else ""
        elif mailer == "yahoo":
            headers["X-Mailer"] = "WebService/1.1.22806 YMailNorrin"
        elif mailer == "other":
            headers["User-Agent"] = "Mozilla/5.0 Thunderbird/115.12.1"
        for key, value in headers.items():
            msg[key] = value
        # Move the MIME headers after the envelope ones, as mailers write them.
        for key in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding"):
            values = msg.get_all(key)
            if values:
                del msg[key]
                for value in values:
                    msg[key] = value
        if "MIME-Version" not in msg:
            msg["MIME-Version"] = "1.0"
        raw = msg.as_bytes()
        if b"\nFrom " in raw:  # would need mbox escaping; the corpus never produces it
            raise AssertionError("generated a body line starting with 'From '")
        self.seq += 1
        self.stats["messages"] += 1
        self.stats["shop"] += from_shop
        sender = SHOP_ADDRESS if from_shop else customer.email
        return Built(when.timestamp(), self.seq, sender, raw), msgid

    # -- conversations -----------------------------------------------------------------------

    def threads(self) -> Iterator[Built]:
        """Yield every message, conversation by conversation."""
        rng = self.rng
        remaining = self.n
        while remaining > 0:
            length = min(rng.choice(_THREAD_LENGTHS), remaining)
            remaining -= length
            customer = rng.choice(self.customers)
            lang = customer.lang
            intent = rng.choices(INTENTS, INTENT_WEIGHTS)[0]
            values = self._values(lang)
            self.sample_order = self.sample_order or values["order"]
            subject = rng.choice(SUBJECTS[lang][intent]).format(**values)
            start = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
            # Customers write mostly in their daytime.
            local_hour = (start.astimezone(customer.tz)).hour
            if local_hour < 7 or local_hour > 22:
                start += timedelta(hours=10)
            thread = ThreadState(customer, intent, _encode_subject(subject), values)
            self.stats["threads"] += 1
            when = start
            for index in range(length):
                from_shop = index % 2 == 1
                if index == 0:
                    text = self._customer_text(thread, first=True)
                elif from_shop:
                    when += timedelta(minutes=rng.randint(10, 48 * 60))
                    text = self._with_quote(self._shop_text(thread), thread)
                else:
                    when += timedelta(minutes=rng.randint(60, 72 * 60))
                    text = self._with_quote(self._customer_text(thread, first=False), thread)
                if index == 1:
                    prefix = "Re: " if from_shop else rng.choice(REPLY_PREFIX[lang])
                    thread.subject = _encode_subject(prefix + subject)
                if index:
                    self.stats["replies"] += 1
                built, msgid = self._build(thread, when, from_shop, text)
                thread.ids.append(msgid)
                thread.last_text = text
                thread.last_when = when.astimezone(customer.tz)
                thread.last_name = SHOP_NAME if from_shop else customer.name
                thread.last_email = SHOP_ADDRESS if from_shop else customer.email
                yield built


def _ascii_fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii())


def _encode_subject(subject: str) -> str:
    return subject if subject.isascii() else Header(subject, "utf-8").encode()


def _html(text: str) -> str:
    from html import escape

    paragraphs = "".join(
        f'<div dir="ltr">{escape(p).replace(chr(10), "<br>")}</div><div><br></div>'
        for p in text.split("\n\n")
    )
    return f'<html><head><meta charset="utf-8"></head><body>{paragraphs}</body></html>'


def mbox_from_line(sender: str, ts: float) -> bytes:
    """The ``From `` separator line of one mbox entry."""
    stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(ts))
    return f"From {sender} {stamp}\n".encode()


def generate(n: int, seed: int, out: Path) -> dict[str, object]:
    """Write ``out/mail.mbox`` and ``out/maildir`` with the same ``n`` messages; return stats."""
    started = time.perf_counter()
    gen = Generator(n, seed)
    messages = sorted(gen.threads(), key=lambda b: (b.ts, b.seq))  # arrival order, like a spool
    built_s = time.perf_counter() - started
    if out.exists():
        shutil.rmtree(out)
    maildir = out / "maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    cur = maildir / "cur"
    total_bytes = 0
    with (out / "mail.mbox").open("wb", buffering=1 << 20) as mbox:
        for index, message in enumerate(messages):
            mbox.write(mbox_from_line(message.sender, message.ts))
            mbox.write(message.raw)
            mbox.write(b"\n" if message.raw.endswith(b"\n") else b"\n\n")
            name = f"{int(message.ts)}.M{index:06d}P{seed}.bench:2,S"
            with open(cur / name, "wb") as fh:
                fh.write(message.raw)
            os.utime(cur / name, (message.ts, message.ts))
            total_bytes += len(message.raw)
    stats: dict[str, object] = dict(gen.stats)
    stats |= {
        "n": n,
        "seed": seed,
        "sample_order": gen.sample_order,
        "customers_distinct": len({m.sender for m in messages} - {SHOP_ADDRESS}),
        "message_bytes": total_bytes,
        "mean_message_bytes": round(total_bytes / max(1, n)),
        "build_seconds": round(built_s, 2),
        "total_seconds": round(time.perf_counter() - started, 2),
        "generator_version": benchlib.GENERATOR_VERSION,
    }
    (out / "manifest.json").write_text(json.dumps(stats, indent=2) + "\n")
    return stats


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python bench/mailgen.py [--n N] [--seed S] [--force]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=benchlib.default_n())
    parser.add_argument("--seed", type=int, default=benchlib.SEED)
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    args = parser.parse_args(argv)
    out = benchlib.mail_dir(args.n)
    if not args.force and benchlib.mail_is_current(args.n, args.seed):
        print(f"{out}: {args.n} messages already generated (use --force to redo)")
        return 0
    stats = generate(args.n, args.seed, out)
    print(json.dumps(stats, indent=2))
    print(f"wrote {out / 'mail.mbox'} and {out / 'maildir'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
